package dev.hipt.wsi;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

class ImageIoImageTests {

    @TempDir
    Path tmp;

    @Test
    void pngMppComesFromItsPhysChunk() throws IOException {
        Path withPhys = TestImages.png(tmp.resolve("a.png"), TestImages.pattern(20, 10), 0.25);
        Path without = TestImages.png(tmp.resolve("b.png"), TestImages.pattern(20, 10), null);

        try (WholeSlideImage a = WholeSlideImages.open(withPhys); WholeSlideImage b = WholeSlideImages.open(without)) {
            assertThat(a.metadata().mppX()).isCloseTo(0.25, within(1e-9));
            assertThat(a.metadata().mppY()).isCloseTo(0.25, within(1e-9));
            assertThat(b.metadata().mppX()).isNull();
            assertThat(a.metadata().levels()).containsExactly(new Level(0, 20, 10, 1.0));
        }
    }

    @Test
    void tiffMppComesFromResolutionTagsInCentimetresOrInches() throws IOException {
        BufferedImage image = TestImages.pattern(16, 8);
        Path perCm = TestImages.tiff(tmp.resolve("cm.tif"), image, 20000.0, 3);
        Path perInch = TestImages.tiff(tmp.resolve("inch.tif"), image, 50800.0, 2);
        Path noUnit = TestImages.tiff(tmp.resolve("none.tif"), image, 20000.0, 1);
        Path screen = TestImages.tiff(tmp.resolve("screen.tif"), image, 72.0, 2);

        assertThat(mppOf(perCm)).isCloseTo(0.5, within(1e-9));
        assertThat(mppOf(perInch)).isCloseTo(0.5, within(1e-9));
        assertThat(mppOf(noUnit)).isNull();
        assertThat(mppOf(screen)).as("72 dpi is an editor default, not a scan resolution").isNull();
    }

    @Test
    void readsRegionsWithBlackOrWhiteOutsideTheImage() throws IOException {
        BufferedImage image = TestImages.pattern(50, 40);
        Path file = TestImages.png(tmp.resolve("p.png"), image, null);
        try (WholeSlideImage slide = WholeSlideImages.open(file)) {
            RgbImage black = slide.readRegion(0, 30, -5, 30, 20);
            RgbImage white = ((BackgroundFill) slide).readRegion(0, 30, -5, 30, 20, true);

            assertThat(rgb(black, 0, 5)).isEqualTo(image.getRGB(30, 0) & 0xffffff);
            assertThat(rgb(black, 19, 19)).isEqualTo(image.getRGB(49, 14) & 0xffffff);
            assertThat(rgb(black, 20, 10)).isZero();
            assertThat(rgb(black, 5, 0)).isZero();
            assertThat(rgb(white, 20, 10)).isEqualTo(0xffffff);
            assertThat(rgb(white, 19, 19)).isEqualTo(image.getRGB(49, 14) & 0xffffff);
        }
    }

    @Test
    void readsSubsampledViews() throws IOException {
        BufferedImage image = TestImages.pattern(64, 48);
        Path file = TestImages.tiff(tmp.resolve("p.tif"), image, null, 2);
        try (ImageIoImage slide = (ImageIoImage) WholeSlideImages.open(file)) {
            RgbImage small = slide.readSubsampled(0, 0, 16, 12, 4, false);

            assertThat(rgb(small, 3, 2)).isEqualTo(image.getRGB(12, 8) & 0xffffff);
            assertThat(rgb(small, 15, 11)).isEqualTo(image.getRGB(60, 44) & 0xffffff);
        }
    }

    @Test
    void grayImagesKeepTheirStoredValues() throws IOException {
        BufferedImage gray = new BufferedImage(4, 1, BufferedImage.TYPE_BYTE_GRAY);
        gray.getRaster().setSamples(0, 0, 4, 1, 0, new int[] {0, 64, 128, 255});
        Path file = tmp.resolve("g.png");
        ImageIO.write(gray, "png", file.toFile());

        try (WholeSlideImage slide = WholeSlideImages.open(file)) {
            RgbImage region = slide.readRegion(0, 0, 0, 4, 1);

            assertThat(region.rgb()).containsExactly(0, 0, 0, 64, 64, 64, (byte) 128, (byte) 128, (byte) 128,
                    (byte) 255, (byte) 255, (byte) 255);
        }
    }

    @Test
    void jpegOpensWithThePureJavaReader() throws IOException {
        Path file = TestImages.jpeg(tmp.resolve("p.jpg"), TestImages.pattern(33, 17));
        try (WholeSlideImage slide = WholeSlideImages.open(file)) {
            assertThat(slide.metadata().format()).isEqualTo("jpeg");
            assertThat(slide.readRegion(0, 0, 0, 33, 17).rgb()).hasSize(33 * 17 * 3);
        }
    }

    @Test
    void truncatedPngFailsAsCorrupt() throws IOException {
        byte[] png = Files.readAllBytes(TestImages.png(tmp.resolve("full.png"), TestImages.pattern(200, 200), null));
        Path truncated = Files.write(tmp.resolve("t.png"), Arrays.copyOf(png, png.length / 2));

        assertThatThrownBy(() -> {
            try (WholeSlideImage slide = WholeSlideImages.open(truncated)) {
                slide.readRegion(0, 0, 0, 200, 200);
            }
        }).isInstanceOfSatisfying(SlideException.class,
                e -> assertThat(e.code()).isEqualTo(SlideErrorCode.CORRUPT_SLIDE));
    }

    @Test
    void concurrentReadsGiveTheSamePixels() throws Exception {
        Path file = TestImages.png(tmp.resolve("c.png"), TestImages.pattern(300, 300), null);
        try (WholeSlideImage slide = WholeSlideImages.open(file)) {
            byte[] expected = slide.readRegion(0, 50, 60, 200, 200).rgb();
            ExecutorService pool = Executors.newFixedThreadPool(4);
            try {
                List<Future<byte[]>> results = new ArrayList<>();
                for (int i = 0; i < 16; i++) {
                    results.add(pool.submit(() -> slide.readRegion(0, 50, 60, 200, 200).rgb()));
                }
                for (Future<byte[]> result : results) {
                    assertThat(result.get()).isEqualTo(expected);
                }
            } finally {
                pool.shutdown();
            }
        }
    }

    private static Double mppOf(Path file) {
        try (WholeSlideImage slide = WholeSlideImages.open(file)) {
            assertThat(slide).isInstanceOf(ImageIoImage.class);
            return slide.metadata().mppX();
        }
    }

    private static int rgb(RgbImage image, int x, int y) {
        int p = (y * image.width() + x) * 3;
        byte[] b = image.rgb();
        return (b[p] & 0xff) << 16 | (b[p + 1] & 0xff) << 8 | (b[p + 2] & 0xff);
    }
}
