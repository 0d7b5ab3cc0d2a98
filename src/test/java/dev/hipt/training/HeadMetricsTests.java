package dev.hipt.training;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;

/** Metrics against values counted by hand. */
class HeadMetricsTests {

    @Test
    void concordanceIndexCountsPairsWhoseShorterTimeHadAnEventAndTiesInRiskAsHalf() {
        double[] months = {1, 2, 3, 4};
        boolean[] censored = {false, true, false, false};
        // comparable: (0,1) (0,2) (0,3) (2,3); slide 1 is censored so it starts no pair.
        // risk 0.4 < 0.5: (0,1) discordant; (0,2), (0,3) concordant; (2,3) tied: 2.5 / 4
        assertThat(HeadMetrics.concordanceIndex(months, censored, new double[] {0.4, 0.5, 0.2, 0.2}))
                .isCloseTo(0.625, within(1e-12));
        assertThat(HeadMetrics.concordanceIndex(months, censored, new double[] {4, 3, 2, 1})).isEqualTo(1.0);
        assertThat(HeadMetrics.concordanceIndex(months, censored, new double[] {1, 2, 3, 4})).isEqualTo(0.0);
    }

    @Test
    void concordanceIndexIsNanWithoutComparablePairs() {
        assertThat(HeadMetrics.concordanceIndex(new double[] {1, 2}, new boolean[] {true, true},
                new double[] {1, 2})).isNaN();
    }

    @Test
    void accuracyBalancedAccuracyAndBinaryAuc() {
        int[] labels = {0, 0, 0, 1};
        double[][] p = {{0.9, 0.1}, {0.8, 0.2}, {0.3, 0.7}, {0.4, 0.6}};
        assertThat(HeadMetrics.accuracy(labels, p)).isEqualTo(0.75);
        // recall class 0: 2/3, class 1: 1/1
        assertThat(HeadMetrics.balancedAccuracy(labels, p, 2)).isCloseTo((2.0 / 3 + 1) / 2, within(1e-12));
        // class-1 scores: positive 0.6 beats 0.1 and 0.2, loses to 0.7: 2/3
        assertThat(HeadMetrics.auc(labels, p, 2)).isCloseTo(2.0 / 3, within(1e-12));
    }

    @Test
    void multiclassAucIsTheOneVsRestMacroMean() {
        int[] labels = {0, 1, 2, 2};
        double[][] p = {{0.8, 0.1, 0.1}, {0.2, 0.5, 0.3}, {0.1, 0.6, 0.3}, {0.1, 0.2, 0.7}};
        // class 0: 0.8 beats 0.2, 0.1, 0.1 -> 1; class 1: 0.5 vs 0.1, 0.6, 0.2 -> 2/3;
        // class 2: (0.3 vs 0.1, 0.3) = 1.5, (0.7 vs 0.1, 0.3) = 2 -> 3.5 / 4
        assertThat(HeadMetrics.auc(labels, p, 3)).isCloseTo((1 + 2.0 / 3 + 0.875) / 3, within(1e-12));
    }
}
