package dev.hipt.training;

import java.util.Arrays;
import java.util.List;

/**
 * The discrete time bins of a survival head, as HIPT's and MCAT's survival datasets make them: the quartiles of the
 * uncensored times (linear interpolation, like {@code pandas.qcut}), the outer edges widened to the smallest and
 * largest time of all slides by 1e-6; a time falls in the bin whose left edge it reaches ({@code right=False}).
 */
final class SurvivalBins {

    static final int BINS = 4;
    private static final double EPS = 1e-6;

    private final double[] edges;

    private SurvivalBins(double[] edges) {
        this.edges = edges;
    }

    /**
     * @param months   every slide's time
     * @param censored whether each slide's time is censored (no event observed)
     * @throws TrainingFailure when the uncensored times do not give {@value #BINS} distinct bins
     */
    static SurvivalBins fromTimes(double[] months, boolean[] censored) {
        double[] events = java.util.stream.IntStream.range(0, months.length).filter(i -> !censored[i])
                .mapToDouble(i -> months[i]).sorted().toArray();
        if (events.length < 2) {
            throw new TrainingFailure(TrainingFailure.TOO_FEW_SLIDES, "survival bins need at least 2 slides with an"
                    + " observed event, the label set has " + events.length);
        }
        double[] edges = new double[BINS + 1];
        for (int q = 0; q <= BINS; q++) {
            edges[q] = quantile(events, (double) q / BINS);
        }
        edges[0] = Arrays.stream(months).min().orElseThrow() - EPS;
        edges[BINS] = Arrays.stream(months).max().orElseThrow() + EPS;
        for (int i = 1; i <= BINS; i++) {
            if (!(edges[i] > edges[i - 1])) {
                throw new TrainingFailure(TrainingFailure.TOO_FEW_SLIDES, "the observed event times give bin edges "
                        + Arrays.toString(edges) + " that are not increasing: more distinct event times are needed");
            }
        }
        return new SurvivalBins(edges);
    }

    static double quantile(double[] sorted, double p) {
        double pos = p * (sorted.length - 1);
        int lo = (int) Math.floor(pos);
        int hi = Math.min(lo + 1, sorted.length - 1);
        return sorted[lo] + (pos - lo) * (sorted[hi] - sorted[lo]);
    }

    /** The bin (0 to 3) of a time. */
    int bin(double months) {
        for (int i = BINS - 1; i > 0; i--) {
            if (months >= edges[i]) {
                return i;
            }
        }
        return 0;
    }

    /** The 5 edges in months, smallest first. */
    List<Double> edges() {
        return Arrays.stream(edges).boxed().toList();
    }
}
