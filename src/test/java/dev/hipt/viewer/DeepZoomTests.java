package dev.hipt.viewer;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hipt.wsi.Level;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Deep Zoom geometry against values worked out by hand from openslide-python's DeepZoomGenerator for a three-level
 * pyramid (10000 x 7000, 4 x and 16 x downsampled), tiles of 254 with an overlap of 1.
 */
class DeepZoomTests {

    private final DeepZoom zoom = new DeepZoom(10_000, 7_000, List.of(
            new Level(0, 10_000, 7_000, 1), new Level(1, 2_500, 1_750, 4), new Level(2, 625, 437, 16.018)),
            254, 1);

    @Test
    void countsLevelsFromOnePixelToFullResolution() {
        assertThat(zoom.levelCount()).isEqualTo(15);
        assertThat(zoom.levelSize(0)).containsExactly(1, 1);
        assertThat(zoom.levelSize(14)).containsExactly(10_000, 7_000);
        assertThat(zoom.levelSize(13)).containsExactly(5_000, 3_500);
        assertThat(zoom.levelSize(1)).containsExactly(2, 1);
        assertThat(zoom.tiles(14)).containsExactly(40, 28);
        assertThat(zoom.tiles(0)).containsExactly(1, 1);
    }

    @Test
    void readsEachLevelFromTheBestSlideLevelBelowItsDownsample() {
        assertThat(zoom.tile(14, 0, 0).orElseThrow().slideLevel()).isZero();
        assertThat(zoom.tile(13, 0, 0).orElseThrow().slideLevel()).isZero();
        assertThat(zoom.tile(12, 0, 0).orElseThrow().slideLevel()).isEqualTo(1);
        assertThat(zoom.tile(11, 0, 0).orElseThrow().slideLevel()).isEqualTo(1);
        assertThat(zoom.tile(10, 0, 0).orElseThrow().slideLevel()).isEqualTo(1);
        assertThat(zoom.tile(9, 0, 0).orElseThrow().slideLevel()).isEqualTo(2);
    }

    @Test
    void interiorTileCarriesOverlapOnEverySideWithANeighbour() {
        assertThat(zoom.tile(14, 1, 0)).contains(new DeepZoom.Tile(14, 1, 0, 0, 253, 0, 256, 255, 256, 255, 253, 0));
        assertThat(zoom.tile(13, 1, 1)).contains(
                new DeepZoom.Tile(13, 1, 1, 0, 507, 507, 512, 512, 256, 256, 253, 253));
    }

    @Test
    void lastTileIsCutAtTheLevelsEdge() {
        assertThat(zoom.tile(14, 39, 27)).contains(
                new DeepZoom.Tile(14, 39, 27, 0, 9_905, 6_857, 95, 143, 95, 143, 9_905, 6_857));
    }

    @Test
    void coarseLevelsReadTheSmallestSlideLevelWhole() {
        assertThat(zoom.tile(0, 0, 0)).contains(new DeepZoom.Tile(0, 0, 0, 2, 0, 0, 625, 437, 1, 1, 0, 0));
        assertThat(zoom.tile(12, 0, 0)).contains(new DeepZoom.Tile(12, 0, 0, 1, 0, 0, 255, 255, 255, 255, 0, 0));
    }

    @Test
    void hasNoTileOutsideTheLevel() {
        assertThat(zoom.tile(14, 40, 0)).isEmpty();
        assertThat(zoom.tile(14, 0, 28)).isEmpty();
        assertThat(zoom.tile(15, 0, 0)).isEmpty();
        assertThat(zoom.tile(-1, 0, 0)).isEmpty();
        assertThat(zoom.tile(0, 1, 0)).isEmpty();
        assertThat(zoom.tile(3, -1, 0)).isEmpty();
    }

    @Test
    void descriptorIsDeepZoomXml() {
        assertThat(zoom.descriptor("jpeg")).contains("xmlns=\"http://schemas.microsoft.com/deepzoom/2008\"")
                .contains("Format=\"jpeg\"").contains("Overlap=\"1\"").contains("TileSize=\"254\"")
                .contains("<Size Width=\"10000\" Height=\"7000\"/>");
    }
}
