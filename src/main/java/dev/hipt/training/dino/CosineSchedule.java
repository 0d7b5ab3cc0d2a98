package dev.hipt.training.dino;

/**
 * DINO's per-iteration schedule ({@code utils.cosine_scheduler}): a linear warmup from {@code warmupStart} to
 * {@code base} over the first {@code warmupIterations} (endpoints included, as {@code np.linspace}), then a half
 * cosine from {@code base} to {@code end} over the remaining iterations:
 * {@code end + (base - end) / 2 * (1 + cos(pi * i / n))}, i counted from the end of the warmup, n the remaining count.
 */
final class CosineSchedule {

    private final double base;
    private final double end;
    private final int totalIterations;
    private final int warmupIterations;
    private final double warmupStart;

    CosineSchedule(double base, double end, int totalIterations, int warmupIterations, double warmupStart) {
        if (totalIterations < 1) {
            throw new IllegalArgumentException("a schedule needs at least one iteration, got " + totalIterations);
        }
        if (warmupIterations < 0 || warmupIterations > totalIterations) {
            throw new IllegalArgumentException("warmup of " + warmupIterations + " iterations does not fit in "
                    + totalIterations);
        }
        this.base = base;
        this.end = end;
        this.totalIterations = totalIterations;
        this.warmupIterations = warmupIterations;
        this.warmupStart = warmupStart;
    }

    /** Without warmup. */
    CosineSchedule(double base, double end, int totalIterations) {
        this(base, end, totalIterations, 0, 0);
    }

    /** The value at {@code iteration} (0-based, below the total). */
    double at(int iteration) {
        if (iteration < 0 || iteration >= totalIterations) {
            throw new IllegalArgumentException("iteration " + iteration + " is outside the schedule of "
                    + totalIterations);
        }
        if (iteration < warmupIterations) {
            return warmupIterations == 1 ? warmupStart
                    : warmupStart + (base - warmupStart) * iteration / (warmupIterations - 1);
        }
        int i = iteration - warmupIterations;
        int n = totalIterations - warmupIterations;
        return end + 0.5 * (base - end) * (1 + Math.cos(Math.PI * i / n));
    }

    int totalIterations() {
        return totalIterations;
    }
}
