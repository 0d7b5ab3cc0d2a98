package dev.hipt.training;

import java.util.ArrayList;
import java.util.List;

/** Validation metrics of slide heads: accuracy, balanced accuracy, AUC (subtype) and Harrell's C (survival). */
final class HeadMetrics {

    private HeadMetrics() {
    }

    /** Share of slides whose most probable class is their label. */
    static double accuracy(int[] labels, double[][] probabilities) {
        int right = 0;
        for (int i = 0; i < labels.length; i++) {
            right += argmax(probabilities[i]) == labels[i] ? 1 : 0;
        }
        return (double) right / labels.length;
    }

    /** Mean recall over the classes that occur among the labels. */
    static double balancedAccuracy(int[] labels, double[][] probabilities, int classes) {
        double sum = 0;
        int present = 0;
        for (int c = 0; c < classes; c++) {
            int n = 0;
            int right = 0;
            for (int i = 0; i < labels.length; i++) {
                if (labels[i] == c) {
                    n++;
                    right += argmax(probabilities[i]) == c ? 1 : 0;
                }
            }
            if (n > 0) {
                sum += (double) right / n;
                present++;
            }
        }
        return sum / present;
    }

    /**
     * ROC AUC: for two classes that of class 1's probability; for more, the one-vs-rest macro mean over the classes
     * that have both positives and negatives among the labels. NaN when no class has both.
     */
    static double auc(int[] labels, double[][] probabilities, int classes) {
        if (classes == 2) {
            return binaryAuc(labels, probabilities, 1);
        }
        List<Double> per = new ArrayList<>();
        for (int c = 0; c < classes; c++) {
            double a = binaryAuc(labels, probabilities, c);
            if (!Double.isNaN(a)) {
                per.add(a);
            }
        }
        return per.isEmpty() ? Double.NaN : per.stream().mapToDouble(Double::doubleValue).average().orElseThrow();
    }

    /** The probability that a random positive of {@code positive} scores above a random negative (ties count 1/2). */
    static double binaryAuc(int[] labels, double[][] probabilities, int positive) {
        double pairs = 0;
        double wins = 0;
        for (int i = 0; i < labels.length; i++) {
            if (labels[i] != positive) {
                continue;
            }
            for (int j = 0; j < labels.length; j++) {
                if (labels[j] == positive) {
                    continue;
                }
                pairs++;
                double pi = probabilities[i][positive];
                double pj = probabilities[j][positive];
                wins += pi > pj ? 1 : pi == pj ? 0.5 : 0;
            }
        }
        return pairs == 0 ? Double.NaN : wins / pairs;
    }

    /**
     * Harrell's concordance index with censoring: a pair is comparable when the slide with the shorter time had its
     * event observed; it is concordant when that slide has the higher risk, ties in risk count 1/2. NaN when no pair
     * is comparable.
     */
    static double concordanceIndex(double[] months, boolean[] censored, double[] risk) {
        double comparable = 0;
        double concordant = 0;
        for (int i = 0; i < months.length; i++) {
            if (censored[i]) {
                continue;
            }
            for (int j = 0; j < months.length; j++) {
                if (months[i] < months[j]) {
                    comparable++;
                    concordant += risk[i] > risk[j] ? 1 : risk[i] == risk[j] ? 0.5 : 0;
                }
            }
        }
        return comparable == 0 ? Double.NaN : concordant / comparable;
    }

    static int argmax(double[] values) {
        int best = 0;
        for (int i = 1; i < values.length; i++) {
            if (values[i] > values[best]) {
                best = i;
            }
        }
        return best;
    }
}
