package dev.hipt.training;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import org.junit.jupiter.api.Test;

/** The losses equal values computed by hand from MCAT's nll_loss formula and from the softmax. */
class HeadLossesTests {

    // logits [0, 1, -1, 2]: hazards [0.5, 0.7310586, 0.2689414, 0.8807971]; S = [0.5, 0.1344707, 0.0983059, ...]
    private static final float[] LOGITS = {0, 1, -1, 2};

    @Test
    void uncensoredSurvivalLossIsMinusLogOfSurvivalBeforeTheBinAndTheBinsHazard() {
        // -(log S_pad[1] + log h[1]) = -(log 0.5 + log 0.7310586) = 0.6931472 + 0.3132617
        assertThat(nll(LOGITS, 1, false, 0)).isCloseTo(1.0064089, within(1e-5));
        // bin 0: -(log 1 + log 0.5)
        assertThat(nll(LOGITS, 0, false, 0)).isCloseTo(0.6931472, within(1e-5));
    }

    @Test
    void censoredSurvivalLossIsMinusLogOfSurvivalThroughTheBin() {
        // -log S_pad[2] = -log(0.5 * 0.2689414) = 2.0064089
        assertThat(nll(LOGITS, 1, true, 0)).isCloseTo(2.0064089, within(1e-5));
        // bin 3: -log S[3] = -log(0.0983059 * 0.1192029) = 2.3197 + 2.1269
        assertThat(nll(LOGITS, 3, true, 0)).isCloseTo(4.4466, within(1e-3));
    }

    @Test
    void survivalLossClampsTinyHazardsAtMcatsEpsilon() {
        // sigmoid(-30) = 9.4e-14 < 1e-7: log clamps to log(1e-7) = -16.118096
        assertThat(nll(new float[] {-30, 0, 0, 0}, 0, false, 0)).isCloseTo(16.118096, within(1e-3));
    }

    @Test
    void alphaUpweightsOnlyUncensoredSlides() {
        assertThat(nll(LOGITS, 1, false, 0.4)).isCloseTo(1.0064089, within(1e-5));
        assertThat(nll(LOGITS, 1, true, 0.4)).isCloseTo(0.6 * 2.0064089, within(1e-5));
    }

    @Test
    void crossEntropyIsMinusLogSoftmaxOfTheLabel() {
        try (NDManager m = NDManager.newBaseManager("PyTorch")) {
            // log(e^0 + e^1 + e^-1 + e^2) - 1 = 2.4401897 - 1
            float ce = HeadLosses.crossEntropy(m.create(LOGITS, new Shape(1, 4)), 1).getFloat();
            assertThat((double) ce).isCloseTo(1.4401897, within(1e-5));
        }
    }

    private static double nll(float[] logits, int bin, boolean censored, double alpha) {
        try (NDManager m = NDManager.newBaseManager("PyTorch")) {
            return HeadLosses.survivalNll(m.create(logits, new Shape(1, logits.length)), bin, censored, alpha)
                    .getFloat();
        }
    }
}
