package dev.hipt.training.pretraining;

import java.util.SplittableRandom;

/**
 * Which items (patches or regions) go into which batch: as DINO's shuffled sampler with {@code drop_last}, every
 * epoch is a fresh seeded permutation of the items cut into {@code items / batchSize} batches (at least one, taking
 * items again when there are fewer than a batch). A pure function of (seed, iteration), so a resumed job sees the
 * same data it would have seen without the interruption.
 */
final class PatchSchedule {

    private static final long GOLDEN = 0x9E3779B97F4A7C15L;

    private final int items;
    private final int batchSize;
    private final long seed;
    private final int itersPerEpoch;

    PatchSchedule(int items, int batchSize, long seed) {
        if (items < 1 || batchSize < 1) {
            throw new IllegalArgumentException("items and batchSize must be positive, got " + items + " and "
                    + batchSize);
        }
        this.items = items;
        this.batchSize = batchSize;
        this.seed = seed;
        this.itersPerEpoch = Math.max(1, items / batchSize);
    }

    int itersPerEpoch() {
        return itersPerEpoch;
    }

    /** The item indices of the batch of (0-based) {@code iteration}. */
    int[] batch(int iteration) {
        int epoch = iteration / itersPerEpoch;
        int[] permutation = permutation(epoch);
        int offset = (iteration % itersPerEpoch) * batchSize;
        int[] batch = new int[batchSize];
        for (int b = 0; b < batchSize; b++) {
            batch[b] = permutation[(offset + b) % items];
        }
        return batch;
    }

    /** The random source of sample {@code slot} of {@code iteration}'s batch: its augmentation draws. */
    SplittableRandom sampleRandom(int iteration, int slot) {
        return new SplittableRandom(((seed * GOLDEN + iteration) * GOLDEN + slot) * GOLDEN + 1);
    }

    private int[] permutation(int epoch) {
        SplittableRandom random = new SplittableRandom((seed * GOLDEN + epoch) * GOLDEN);
        int[] p = new int[items];
        for (int i = 0; i < items; i++) {
            p[i] = i;
        }
        for (int i = items - 1; i > 0; i--) {
            int j = random.nextInt(i + 1);
            int t = p[i];
            p[i] = p[j];
            p[j] = t;
        }
        return p;
    }
}
