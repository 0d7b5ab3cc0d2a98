package dev.hipt.training.dino;

import dev.hipt.model.StateDict;
import dev.hipt.model.VisionTransformer;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/** Tiny backbones, settings and a learnable toy data set, for DINO tests that run in seconds. */
final class DinoToys {

    static final int GLOBAL_SIDE = 64;
    static final int LOCAL_SIDE = 32;
    static final int GRID_CHANNELS = 12;

    private DinoToys() {
    }

    /** ViT-256-shaped: 16 px patches, width 24 (6 heads of 4), 2 blocks, MLP 48, position grid 4 x 4. */
    static VisionTransformer vit256() {
        return new VisionTransformer(VisionTransformer.Stem.PATCH, 3, 16, 24, 2, 6, 48, 4);
    }

    /** ViT-4K-shaped over 12-wide token grids: width 12 (6 heads of 2), 2 blocks, MLP 24, position grid 4 x 4. */
    static VisionTransformer vit4k() {
        return new VisionTransformer(VisionTransformer.Stem.PHI, GRID_CHANNELS, 1, 12, 2, 6, 24, 4);
    }

    static StateDict vit256Weights(long seed) {
        return vit256().randomStateDict(seed);
    }

    /** Small head, batch 4, two local crops, no warmup, a learning rate that moves tiny models in a few steps. */
    static DinoHyperParameters tiny() {
        return DinoHyperParameters.builder().outDim(32).hiddenDim(32).bottleneckDim(16).batchSize(4).localCrops(2)
                .warmupEpochs(0).lr(0.5).build();
    }

    /**
     * A batch of two well-separated kinds (half the samples near +0.8, half near -0.8, every view with its own
     * noise): {@code globals} global and {@code locals} local views of {@code channels x side x side}.
     */
    static List<MultiCropSample> batch(Random random, int size, int channels, int globalSide, int localSide,
                                       int locals) {
        List<MultiCropSample> batch = new ArrayList<>();
        for (int i = 0; i < size; i++) {
            float level = i % 2 == 0 ? 0.8f : -0.8f;
            List<float[]> g = List.of(view(random, level, channels * globalSide * globalSide),
                    view(random, level, channels * globalSide * globalSide));
            List<float[]> l = new ArrayList<>();
            for (int j = 0; j < locals; j++) {
                l.add(view(random, level, channels * localSide * localSide));
            }
            batch.add(new MultiCropSample(g, globalSide, l, localSide, channels));
        }
        return batch;
    }

    static List<MultiCropSample> imageBatch(Random random) {
        return batch(random, 4, 3, GLOBAL_SIDE, LOCAL_SIDE, 2);
    }

    static List<MultiCropSample> gridBatch(Random random) {
        return batch(random, 4, GRID_CHANNELS, 4, 2, 2);
    }

    private static float[] view(Random random, float level, int n) {
        float[] out = new float[n];
        for (int i = 0; i < n; i++) {
            out[i] = level + 0.3f * (float) random.nextGaussian();
        }
        return out;
    }
}
