package dev.hipt.wsi;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.tuple;
import static org.assertj.core.api.Assertions.within;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class RegionGridTests {

    // a 10000 x 9000 slide with a mask at downsample 100 (100 x 90 mask px)
    private static final SlideMetadata MD = new SlideMetadata("test", "test", 10_000, 9_000,
            List.of(new Level(0, 10_000, 9_000, 1)), 0.5, 0.5, 20.0, Map.of());

    private static TissueMask mask(int... tissueRects) {
        int w = 100;
        int h = 90;
        byte[] bits = new byte[w * h];
        for (int r = 0; r < tissueRects.length; r += 4) {
            for (int y = tissueRects[r + 1]; y < tissueRects[r + 1] + tissueRects[r + 3]; y++) {
                for (int x = tissueRects[r]; x < tissueRects[r] + tissueRects[r + 2]; x++) {
                    bits[y * w + x] = 1;
                }
            }
        }
        return new TissueMask(bits, w, h, 100, 10_000, 9_000, RgbImage.black(w, h));
    }

    @Test
    void gridIsAnchoredAtTheOriginWhereverTheTissueIs() {
        // tissue only in the bottom-right corner, level-0 [9500, 10000) x [8500, 9000)
        List<Region> regions = RegionGrid.plan(MD, mask(95, 85, 5, 5), 4096);

        assertThat(regions).hasSize(1);
        Region r = regions.get(0);
        assertThat(r.index()).isZero();
        assertThat(r.x()).isEqualTo(8192);
        assertThat(r.y()).isEqualTo(8192);
        assertThat(r.width()).isEqualTo(4096);
        assertThat(r.height()).isEqualTo(4096);
        assertThat(r.tissueFraction()).isCloseTo(500.0 * 500 / (4096.0 * 4096), within(1e-12));
    }

    @Test
    void regionSideLargerThanAnyLongSumStillCoversTheSlideWithOneRegion() {
        // an mpp of 1e-300 asks for a side of Long.MAX_VALUE level-0 px: the grid must not overflow to 0 x 0
        List<Region> regions = RegionGrid.plan(MD, mask(0, 0, 100, 90), Long.MAX_VALUE);

        assertThat(regions).extracting(Region::x, Region::y).containsExactly(tuple(0L, 0L));
    }

    @Test
    void coversTheWholeSlideWithEdgeRegionsReachingPastIt() {
        List<Region> regions = RegionGrid.plan(MD, mask(0, 0, 100, 90), 4096);

        assertThat(regions).extracting(Region::x, Region::y).containsExactly(
                tuple(0L, 0L), tuple(4096L, 0L), tuple(8192L, 0L),
                tuple(0L, 4096L), tuple(4096L, 4096L), tuple(8192L, 4096L),
                tuple(0L, 8192L), tuple(4096L, 8192L), tuple(8192L, 8192L));
        assertThat(regions.get(0).tissueFraction()).isEqualTo(1.0);
        assertThat(regions.get(2).tissueFraction()).isCloseTo((10_000 - 8192) / 4096.0, within(1e-12));
        assertThat(regions.get(8).tissueFraction())
                .isCloseTo((10_000 - 8192) * (9_000 - 8192) / (4096.0 * 4096), within(1e-12));
    }

    @Test
    void indexesKeptRegionsInRowMajorOrder() {
        // tissue in regions (col 2, row 0), (col 0, row 1) and (col 1, row 2)
        List<Region> regions = RegionGrid.plan(MD, mask(90, 10, 5, 5, 10, 50, 5, 5, 50, 85, 5, 5), 4096);

        assertThat(regions).extracting(Region::index, Region::x, Region::y).containsExactly(
                tuple(0, 8192L, 0L), tuple(1, 0L, 4096L), tuple(2, 4096L, 8192L));
    }

    @Test
    void keepsOnlyRegionsAboveTheMinimumTissueFraction() {
        // region (0,0) is 95 % tissue, region (4096,0) about 6 %
        TissueMask mask = mask(0, 0, 40, 40, 50, 0, 10, 10);

        assertThat(RegionGrid.plan(MD, mask, 4096)).hasSize(2);
        assertThat(RegionGrid.plan(MD, mask, 4096, 0.5)).singleElement()
                .satisfies(r -> assertThat(r.x()).isZero())
                .satisfies(r -> assertThat(r.index()).isZero());
    }

    @Test
    void regionSideFollowsTheSlideMagnification() {
        List<Region> regions = RegionGrid.plan(MD, mask(0, 0, 100, 90), 8192);

        assertThat(regions).extracting(Region::x, Region::y, Region::width)
                .containsExactly(tuple(0L, 0L, 8192L), tuple(8192L, 0L, 8192L),
                        tuple(0L, 8192L, 8192L), tuple(8192L, 8192L, 8192L));
    }

    @Test
    void slideWithoutTissueRegionsIsNoTissue() {
        TissueMask mask = mask(0, 0, 40, 40);

        assertThatThrownBy(() -> RegionGrid.plan(MD, mask(), 4096))
                .isInstanceOfSatisfying(SlideException.class,
                        e -> assertThat(e.code()).isEqualTo(SlideErrorCode.NO_TISSUE));
        assertThatThrownBy(() -> RegionGrid.plan(MD, mask, 4096, 0.999))
                .isInstanceOfSatisfying(SlideException.class,
                        e -> assertThat(e.code()).isEqualTo(SlideErrorCode.NO_TISSUE));
    }
}
