package dev.hipt.training;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;

/** The training losses of HIPT's slide heads, on logits {@code [1, n]}, differentiable under a GradientCollector. */
final class HeadLosses {

    /** MCAT's clamp inside the logarithms. */
    static final float EPS = 1e-7f;

    private HeadLosses() {
    }

    /** Cross-entropy of one slide: {@code -log softmax(logits)[label]}. */
    static NDArray crossEntropy(NDArray logits, int label) {
        return logits.logSoftmax(1).get(0, label).neg();
    }

    /**
     * MCAT's / HIPT's discrete-time negative log-likelihood ({@code nll_loss}) of one slide: hazards =
     * sigmoid(logits), S = cumprod(1 - hazards), S padded with S(-1) = 1 in front;
     * uncensored: {@code -(log clamp(S_pad[y]) + log clamp(h[y]))}; censored: {@code -log clamp(S_pad[y + 1])};
     * {@code loss = (1 - alpha) * (censored + uncensored) + alpha * uncensored}, logs clamped at {@link #EPS}.
     *
     * @param bin      the slide's time bin y
     * @param censored c = 1 in MCAT's terms
     * @param alpha    MCAT's up-weighting of uncensored slides; HIPT trains with 0
     */
    static NDArray survivalNll(NDArray logits, int bin, boolean censored, double alpha) {
        NDManager m = logits.getManager();
        NDArray hazards = logits.getNDArrayInternal().sigmoid();
        NDArray survival = hazards.neg().add(1).cumProd(1);
        NDArray padded = m.ones(new ai.djl.ndarray.types.Shape(1, 1)).concat(survival, 1);
        NDArray sBefore = padded.get(0, bin).maximum(EPS).log();
        NDArray uncensored;
        NDArray censoredLoss;
        if (censored) {
            uncensored = m.zeros(sBefore.getShape());
            censoredLoss = padded.get(0, bin + 1).maximum(EPS).log().neg();
        } else {
            uncensored = sBefore.add(hazards.get(0, bin).maximum(EPS).log()).neg();
            censoredLoss = m.zeros(sBefore.getShape());
        }
        return censoredLoss.add(uncensored).mul((float) (1 - alpha)).add(uncensored.mul((float) alpha));
    }
}
