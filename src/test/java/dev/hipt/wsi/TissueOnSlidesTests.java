package dev.hipt.wsi;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.tuple;
import static org.assertj.core.api.Assertions.within;

import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Tissue detection and the region grid on the real fixture slides and on a generated image file. */
class TissueOnSlidesTests {

    @Test
    void smallHeGivesOneRegionAtTheOriginHoldingTissue() {
        Fixtures.assumeOpenSlide();
        try (WholeSlideImage slide = WholeSlideImages.open(Fixtures.slide("small_HE.svs"))) {
            SlideMetadata md = slide.metadata();
            long side = new RegionReader().level0Footprint(MppResolver.resolve(md, null));
            TissueMask mask = new TissueDetector().detect(slide);
            List<Region> regions = RegionGrid.plan(md, mask, side);

            assertThat(side).isEqualTo(4096);
            // a single-level slide: the mask comes from a read of level 0 averaged down by 64
            assertThat(mask.downsample()).isEqualTo(64.0);
            assertThat(mask.width()).isEqualTo(35);
            assertThat(mask.height()).isEqualTo(47);
            assertThat(mask.tissueFraction()).isBetween(0.2, 0.6);
            assertThat(regions).singleElement().satisfies(r -> {
                assertThat(r.index()).isZero();
                assertThat(r.x()).isZero();
                assertThat(r.y()).isZero();
                assertThat(r.width()).isEqualTo(4096);
                assertThat(r.tissueFraction()).isGreaterThan(0);
            });
        }
    }

    @Test
    void smallSvsHasNoTissue() {
        Fixtures.assumeOpenSlide();
        try (WholeSlideImage slide = WholeSlideImages.open(Fixtures.slide("small.svs"))) {
            TissueMask mask = new TissueDetector().detect(slide);
            assertThatThrownBy(() -> RegionGrid.plan(slide.metadata(), mask, 4096))
                    .isInstanceOfSatisfying(SlideException.class,
                            e -> assertThat(e.code()).isEqualTo(SlideErrorCode.NO_TISSUE));
        }
    }

    @Test
    void generatedImageKeepsTheRegionsThatHoldTissue(@TempDir Path dir) throws IOException {
        // 8400 x 2000 at 0.5 um/px: three grid columns; a disc in the first, a rectangle in the second, none in the third
        BufferedImage image = new BufferedImage(8_400, 2_000, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = image.createGraphics();
        g.setColor(new Color(InMemorySlide.WHITE));
        g.fillRect(0, 0, 8_400, 2_000);
        g.setColor(new Color(InMemorySlide.PINK));
        g.fillOval(300, 300, 1_400, 1_400);
        g.fillRect(4_200, 300, 350, 700);
        g.dispose();
        Path file = TestImages.png(dir.resolve("generated.png"), image, 0.5);

        try (WholeSlideImage slide = WholeSlideImages.open(file)) {
            SlideMetadata md = slide.metadata();
            long side = new RegionReader().level0Footprint(MppResolver.resolve(md, null));
            List<Region> regions = RegionGrid.plan(md, new TissueDetector().detect(slide), side);

            assertThat(regions).extracting(Region::index, Region::x, Region::y)
                    .containsExactly(tuple(0, 0L, 0L), tuple(1, 4096L, 0L));
            assertThat(regions.get(0).tissueFraction()).isCloseTo(Math.PI * 700 * 700 / (4096.0 * 4096), within(0.01));
            assertThat(regions.get(1).tissueFraction()).isCloseTo(350.0 * 700 / (4096.0 * 4096), within(0.005));
        }
    }
}
