package dev.hipt.heatmap;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;

class ColorMapTests {

    // matplotlib: (cm.coolwarm(x)[:3] * 255).astype(uint8) for x = 0, 0.5, 1 gives (58, 76, 192), (220, 220, 220)
    // and (179, 3, 38); Moreland's paper: ends (59, 76, 192) and (180, 4, 38), midpoint (221, 221, 221)
    @Test
    void coolwarmRunsFromMorelandsBlueThroughGreyToRed() {
        assertRgb(ColorMap.COOLWARM.rgb(0), 58, 76, 192);
        assertRgb(ColorMap.COOLWARM.rgb(0.5), 220, 220, 220);
        assertRgb(ColorMap.COOLWARM.rgb(1), 179, 3, 38);
    }

    @Test
    void jetIsBrightenedAsHiptsNotebookDoesIt() {
        // jet(0) = (0, 0, 0.5), jet(1) = (0.5, 0, 0), jet(0.5) ~ (0.49, 1, 0.48); each channel c -> c / 2 + 0.5
        assertRgb(ColorMap.JET.rgb(0), 127, 127, 191);
        assertRgb(ColorMap.JET.rgb(1), 191, 127, 127);
        assertRgb(ColorMap.JET.rgb(0.5), 190, 255, 189);
    }

    private static void assertRgb(int rgb, int r, int g, int b) {
        assertThat((rgb >> 16) & 0xff).as("red").isCloseTo(r, within(2));
        assertThat((rgb >> 8) & 0xff).as("green").isCloseTo(g, within(2));
        assertThat(rgb & 0xff).as("blue").isCloseTo(b, within(2));
    }
}
