package dev.hipt.wsi;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

/** Tissue detection and the region grid on the real fixture slides. */
class TissueOnSlidesTests {

    @Test
    void smallHeGivesOneRegionAtTheOriginHoldingTissue() throws Exception {
        Fixtures.assumeOpenSlide();
        try (WholeSlideImage slide = WholeSlideImages.open(Fixtures.slide("small_HE.svs"))) {
            SlideMetadata md = slide.metadata();
            long side = new RegionReader().level0Footprint(MppResolver.resolve(md, null));
            TissueMask mask = new TissueDetector().detect(slide);
            System.out.printf("small_HE: mask %d x %d ds %.2f fraction %.4f side %d%n", mask.width(), mask.height(),
                    mask.downsample(), mask.tissueFraction(), side);
            java.nio.file.Files.write(java.nio.file.Path.of("/tmp/wsitile/smallhe-overlay.png"), mask.overlayPng(512));
            java.nio.file.Files.write(java.nio.file.Path.of("/tmp/wsitile/smallhe-mask.png"), mask.maskPng());
            List<Region> regions = RegionGrid.plan(md, mask, side);

            assertThat(side).isEqualTo(4096);
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
            System.out.printf("small.svs: %s mask %d x %d ds %.2f fraction %.4f%n", slide.metadata(), mask.width(), mask.height(),
                    mask.downsample(), mask.tissueFraction());
            assertThatThrownBy(() -> RegionGrid.plan(slide.metadata(), mask, 4096))
                    .isInstanceOfSatisfying(SlideException.class,
                            e -> assertThat(e.code()).isEqualTo(SlideErrorCode.NO_TISSUE));
        }
    }
}
