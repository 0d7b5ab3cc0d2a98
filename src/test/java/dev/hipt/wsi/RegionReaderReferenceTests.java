package dev.hipt.wsi;

import org.junit.jupiter.api.Test;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Regions of {@code small_HE.svs} read through {@link RegionReader} equal the HIPT reference fixtures, which were
 * made with OpenSlide {@code read_region} and PIL's RGBA-to-RGB conversion (black beyond the slide).
 */
class RegionReaderReferenceTests {

    @Test
    void region4096AtOriginEqualsOpenSlideReferencePixelForPixel() throws IOException {
        assertRegionEqualsReference(4096, 0, 0, "region4096_x0_y0.png");
    }

    @Test
    void region1024At1000EqualsOpenSlideReferencePixelForPixel() throws IOException {
        assertRegionEqualsReference(1024, 1000, 1000, "region1024_x1000_y1000.png");
    }

    private static void assertRegionEqualsReference(int size, long x, long y, String referenceName)
            throws IOException {
        Fixtures.assumeOpenSlide();
        Path slideFile = Fixtures.slide("small_HE.svs");
        byte[] expected = rgbOf(ImageIO.read(Fixtures.reference(referenceName).toFile()));
        RegionReader reader = new RegionReader(new ReadOptions(0.5, size, false));
        try (WholeSlideImage slide = WholeSlideImages.open(slideFile)) {
            Mpp mpp = MppResolver.resolve(slide.metadata(), null);
            RgbImage region = reader.read(slide, mpp, x, y);

            assertThat(region.width()).isEqualTo(size);
            assertThat(region.height()).isEqualTo(size);
            int mismatches = 0;
            int first = -1;
            for (int i = 0; i < expected.length; i++) {
                if (expected[i] != region.rgb()[i]) {
                    mismatches++;
                    if (first < 0) {
                        first = i;
                    }
                }
            }
            assertThat(mismatches).as("bytes differing from %s (first at pixel %d)", referenceName,
                    first < 0 ? -1 : first / 3).isZero();
        }
    }

    static byte[] rgbOf(BufferedImage image) {
        byte[] rgb = new byte[image.getWidth() * image.getHeight() * 3];
        ImageIoImage.copyRgb(image, rgb, image.getWidth(), 0, 0);
        return rgb;
    }
}
