package dev.hipt.wsi;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

/** Tissue detection and the region grid on the real fixture slides. */
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
}
