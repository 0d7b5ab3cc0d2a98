package dev.hipt.heatmap;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.Random;
import org.junit.jupiter.api.Test;

class PercentilesTests {

    @Test
    void ranksAsScipyRankdataWithTiesAveraged() {
        // scipy.stats.rankdata([3, 1, 2, 2]) = [4, 1, 2.5, 2.5]; * 100 / 4
        float[] out = new float[4];
        Percentiles.rank(new float[] {3, 1, 2, 2}, 0, 4, 1, out);
        assertThat(out).containsExactly(100f, 25f, 62.5f, 62.5f);
    }

    @Test
    void rankingValuesEqualsRankingTheirNearestUpsampledPixelsAsHiptDoes() {
        Random random = new Random(3);
        float[] map = new float[16];
        for (int i = 0; i < map.length; i++) {
            map[i] = random.nextInt(6); // many ties
        }
        int q = 9; // each value upsampled to 3 x 3 pixels
        float[] pixels = new float[map.length * q];
        for (int i = 0; i < pixels.length; i++) {
            pixels[i] = map[i / q];
        }
        float[] pixelPercentiles = new float[pixels.length];
        Percentiles.rank(pixels, 0, pixels.length, 1, pixelPercentiles);
        float[] valuePercentiles = new float[map.length];
        Percentiles.rank(map, 0, map.length, q, valuePercentiles);
        for (int i = 0; i < map.length; i++) {
            assertThat(valuePercentiles[i]).as("value %d", i).isCloseTo(pixelPercentiles[i * q], within(1e-4f));
        }
    }

    @Test
    void ranksEachMapOnItsOwn() {
        float[] p = Percentiles.rankEach(new float[] {1, 2, 30, 10}, 2, 1);
        assertThat(p).containsExactly(50f, 100f, 100f, 50f);
    }

    @Test
    void storesPercentilesInOneByteWithinHalfAStep() {
        float[] p = {0, 12.3f, 50, 99.9f, 100};
        byte[] codes = Percentiles.encode(p);
        for (int i = 0; i < p.length; i++) {
            assertThat(Percentiles.decode(codes[i])).isCloseTo(p[i], within((float) Percentiles.PER_CODE / 2 + 1e-4f));
        }
        assertThat(codes[4] & 0xff).isEqualTo(255);
    }
}
