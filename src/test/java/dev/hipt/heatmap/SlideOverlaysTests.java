package dev.hipt.heatmap;

import static org.assertj.core.api.Assertions.assertThat;

import java.awt.image.BufferedImage;
import java.util.List;
import org.junit.jupiter.api.Test;

class SlideOverlaysTests {

    /** Two regions side by side: the left with a 2 x 2 grid (0, 1 / 1, 0), the right one value 1. */
    private static final ScoreField FIELD = new ScoreField(List.of(
            new ScoreField.Cell(0, 0, 4096, 4096, 2, new float[] {0, 1, 1, 0}),
            new ScoreField.Cell(4096, 0, 4096, 4096, 1, new float[] {1})), "t", "0", "1", ColorMap.COOLWARM);

    @Test
    void drawsEachCellAtItsLevel0PlaceAndLeavesUnanalysedAreaTransparent() {
        // the level-0 rectangle [0, 8192) x [0, 8192) at 8 x 8: 1024 level-0 px per output pixel
        BufferedImage layer = SlideOverlays.draw(FIELD, 0, 0, 8192, 8192, 8, 8);
        int blue = 0xff000000 | ColorMap.COOLWARM.rgb(0);
        int red = 0xff000000 | ColorMap.COOLWARM.rgb(1);
        assertThat(layer.getRGB(0, 0)).isEqualTo(blue);
        assertThat(layer.getRGB(1, 1)).isEqualTo(blue);
        assertThat(layer.getRGB(2, 0)).isEqualTo(red);
        assertThat(layer.getRGB(0, 2)).isEqualTo(red);
        assertThat(layer.getRGB(3, 3)).isEqualTo(blue);
        assertThat(layer.getRGB(5, 2)).isEqualTo(red);
        assertThat(layer.getRGB(2, 5) >>> 24).as("below the regions: nothing analysed").isZero();
    }

    @Test
    void aTileOfTheRectangleShowsOnlyWhatLiesInIt() {
        // level-0 [2048, 6144) x [0, 2048) at 4 x 2: left half is the left region's top-right cell, right half the
        // right region
        BufferedImage tile = SlideOverlays.draw(FIELD, 2048, 0, 4096, 2048, 4, 2);
        int red = 0xff000000 | ColorMap.COOLWARM.rgb(1);
        for (int i = 0; i < 4; i++) {
            assertThat(tile.getRGB(i, 1)).as("pixel %d", i).isEqualTo(red);
        }
        BufferedImage offSlide = SlideOverlays.draw(FIELD, 9000, 9000, 1000, 1000, 4, 4);
        assertThat(offSlide.getRGB(0, 0) >>> 24).isZero();
    }
}
