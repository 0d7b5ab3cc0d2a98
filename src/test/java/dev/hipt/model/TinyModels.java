package dev.hipt.model;

/** Small models with the real module trees, for tests that must run in seconds on any machine. */
final class TinyModels {

    private TinyModels() {
    }

    /** A ViT-256-shaped model: 16 px patches, width 32, 2 heads, 2 blocks, position grid 4 x 4. */
    static VisionTransformer vit256() {
        return new VisionTransformer(VisionTransformer.Stem.PATCH, 3, 16, 32, 2, 2, 64, 4);
    }

    /** A ViT-4K-shaped model over 32-wide features: width 24, 2 heads, 2 blocks, position grid 4 x 4. */
    static VisionTransformer vit4k() {
        return new VisionTransformer(VisionTransformer.Stem.PHI, 32, 1, 24, 2, 2, 48, 4);
    }

    /** A HIPT_LGP_FC-shaped aggregator over 32-wide features: local ViT of width 24, global width 12 (3 heads). */
    static SlideAggregator aggregator(int outputs) {
        return new SlideAggregator(vit4k(), 12, 2, 3, outputs);
    }
}
