package dev.hipt.model;

/**
 * Whether a state dict fits one of HIPT's models, by parameter name and shape, without creating anything native:
 * what a model registry checks before it accepts a checkpoint.
 */
public final class CheckpointCheck {

    /** The width of a ViT-256 CLS token, which the ViT-4K and the slide heads take. */
    public static final int CLS256_FEATURES = 384;

    private CheckpointCheck() {
    }

    /**
     * A ViT-256/16 (patch-embedding stem, as {@code vit256_small_dino.pth}) with every parameter its blocks need.
     *
     * @return the width of its CLS token
     * @throws CheckpointException naming what is missing or mis-shaped
     */
    public static int vit256(StateDict weights) {
        VisionTransformer vit = VisionTransformer.describedBy(weights, 6);
        if (vit.stem() != VisionTransformer.Stem.PATCH) {
            throw new CheckpointException("not a ViT-256: the checkpoint is missing parameter 'patch_embed.proj.weight'");
        }
        vit.check(weights);
        return vit.dim();
    }

    /**
     * A ViT-4K/256 (the {@code phi} stem over ViT-256 CLS tokens, as {@code vit4k_xs_dino.pth}) with every parameter.
     *
     * @return the width of the ViT-256 CLS tokens it takes
     * @throws CheckpointException naming what is missing or mis-shaped
     */
    public static int vit4k(StateDict weights) {
        VisionTransformer vit = VisionTransformer.describedBy(weights, 6);
        if (vit.stem() != VisionTransformer.Stem.PHI) {
            throw new CheckpointException("not a ViT-4K: the checkpoint is missing parameter 'phi.0.weight'");
        }
        vit.check(weights);
        return vit.inDim();
    }

    /**
     * A HIPT_LGP_FC slide head over {@value #CLS256_FEATURES}-wide ViT-256 CLS tokens, with every parameter.
     *
     * @return the number of its logits (classes, or survival time bins)
     * @throws CheckpointException naming what is missing or mis-shaped
     */
    public static int head(StateDict weights) {
        SlideAggregator aggregator = SlideAggregator.describedBy(weights);
        aggregator.check(weights);
        int in = aggregator.localVit().inDim();
        if (in != CLS256_FEATURES) {
            throw new CheckpointException("parameter 'local_vit.phi.0.weight' takes " + in + " features, but ViT-256 "
                    + "CLS tokens have " + CLS256_FEATURES);
        }
        return aggregator.outputs();
    }
}
