package dev.hipt.training;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;

/** Bins at the quartiles of the uncensored times, as pandas.qcut makes them, outer edges from all times. */
class SurvivalBinsTests {

    @Test
    void edgesAreQuartilesOfEventTimesWidenedToAllTimes() {
        double[] months = {2, 4, 6, 8, 10, 30, 1};
        boolean[] censored = {false, false, false, false, false, true, true};
        SurvivalBins bins = SurvivalBins.fromTimes(months, censored);
        // events 2,4,6,8,10: quartiles 2, 4, 6, 8, 10; outer edges min(all) - 1e-6 = 1, max(all) + 1e-6 = 30
        assertThat(bins.edges()).hasSize(5);
        assertThat(bins.edges().get(0)).isCloseTo(1 - 1e-6, within(1e-12));
        assertThat(bins.edges().subList(1, 4)).containsExactly(4.0, 6.0, 8.0);
        assertThat(bins.edges().get(4)).isCloseTo(30 + 1e-6, within(1e-12));
        assertThat(bins.bin(1)).isZero();
        assertThat(bins.bin(3.99)).isZero();
        assertThat(bins.bin(4)).isEqualTo(1);
        assertThat(bins.bin(7)).isEqualTo(2);
        assertThat(bins.bin(8)).isEqualTo(3);
        assertThat(bins.bin(30)).isEqualTo(3);
    }

    @Test
    void quartilesInterpolateLinearly() {
        // 1, 2, 3, 4: positions 0.75, 1.5, 2.25 -> 1.75, 2.5, 3.25
        double[] sorted = {1, 2, 3, 4};
        assertThat(SurvivalBins.quantile(sorted, 0.25)).isCloseTo(1.75, within(1e-12));
        assertThat(SurvivalBins.quantile(sorted, 0.5)).isCloseTo(2.5, within(1e-12));
        assertThat(SurvivalBins.quantile(sorted, 0.75)).isCloseTo(3.25, within(1e-12));
    }

    @Test
    void tooFewDistinctEventTimesAreATrainingFailureWithACode() {
        assertThatThrownBy(() -> SurvivalBins.fromTimes(new double[] {5, 5, 5, 9}, new boolean[] {false, false,
                false, true}))
                .isInstanceOfSatisfying(TrainingFailure.class,
                        f -> assertThat(f.code()).isEqualTo(TrainingFailure.TOO_FEW_SLIDES));
    }
}
