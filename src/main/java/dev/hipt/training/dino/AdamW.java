package dev.hipt.training.dino;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;

/**
 * {@code torch.optim.AdamW} (betas 0.9 / 0.999, eps 1e-8, no amsgrad) for one parameter: decoupled weight decay
 * {@code p *= 1 - lr * wd}, moment updates, bias correction by the parameter's own step count, and
 * {@code p -= lr / (1 - b1^t) * m / (sqrt(v) / sqrt(1 - b2^t) + eps)}. The state starts at the first update, as
 * PyTorch creates it lazily, so a parameter never updated (the frozen last layer in epoch 1) has none.
 */
final class AdamW implements AutoCloseable {

    static final double BETA1 = 0.9;
    static final double BETA2 = 0.999;
    static final double EPS = 1e-8;

    private int step;
    private NDArray expAvg;
    private NDArray expAvgSq;

    /** One update of {@code param} in place with {@code grad}; new state arrays live in {@code manager}. */
    void update(NDArray param, NDArray grad, double lr, double weightDecay, NDManager manager) {
        if (expAvg == null) {
            expAvg = keep(manager.zeros(param.getShape()));
            expAvgSq = keep(manager.zeros(param.getShape()));
        }
        step++;
        if (weightDecay != 0) {
            param.muli((float) (1 - lr * weightDecay));
        }
        try (NDArray g1 = grad.mul((float) (1 - BETA1));
             NDArray g2 = grad.square().muli((float) (1 - BETA2))) {
            expAvg.muli((float) BETA1).addi(g1);
            expAvgSq.muli((float) BETA2).addi(g2);
        }
        double bias1 = 1 - Math.pow(BETA1, step);
        double bias2 = Math.sqrt(1 - Math.pow(BETA2, step));
        try (NDArray denom = expAvgSq.sqrt().divi((float) bias2).addi((float) EPS);
             NDArray delta = expAvg.div(denom).muli((float) (lr / bias1))) {
            param.subi(delta);
        }
    }

    int step() {
        return step;
    }

    boolean hasState() {
        return expAvg != null;
    }

    NDArray expAvg() {
        return expAvg;
    }

    NDArray expAvgSq() {
        return expAvgSq;
    }

    /** Restores the state a checkpoint holds. */
    void restore(int step, NDArray expAvg, NDArray expAvgSq) {
        close();
        this.step = step;
        this.expAvg = keep(expAvg);
        this.expAvgSq = keep(expAvgSq);
    }

    private static NDArray keep(NDArray a) {
        NDScope.unregister(a);
        return a;
    }

    @Override
    public void close() {
        if (expAvg != null) {
            expAvg.close();
            expAvgSq.close();
            expAvg = null;
            expAvgSq = null;
        }
    }
}
