package dev.hipt.model;

/**
 * How many 256 x 256 patches one ViT-256 forward pass on a GPU may take: what the device's free memory holds once the
 * weights are in, with headroom for the CUDA context, the caching allocator's fragmentation and ViT-4K. The figures
 * are estimates of the largest live tensors of a forward pass, not measurements of one (no GPU was at hand when this
 * was written; docs/models.md).
 */
final class BatchSizing {

    /** Share of the free memory left unplanned: CUDA context, allocator fragmentation, ViT-4K, the slide heads. */
    static final double HEADROOM = 0.2;

    private BatchSizing() {
    }

    /**
     * The batch that fits: {@code (free * (1 - HEADROOM) - modelBytes) / perPatchBytes} patches, at least 1 (a
     * device too small for even one patch fails on its first pass, with libtorch's out-of-memory message) and at most
     * {@code max}.
     *
     * @param freeBytes     device memory free before the weights are loaded
     * @param modelBytes    what the weights take on the device
     * @param perPatchBytes activations one patch needs at the peak of a forward pass
     * @param max           the configured batch ({@code hipt.model.vit256-batch-size}), never exceeded
     */
    static int patchesThatFit(long freeBytes, long modelBytes, long perPatchBytes, int max) {
        if (freeBytes < 0 || modelBytes < 0 || perPatchBytes <= 0 || max < 1) {
            throw new IllegalArgumentException("free " + freeBytes + ", model " + modelBytes + ", per patch "
                    + perPatchBytes + " bytes, max " + max);
        }
        double usable = freeBytes * (1 - HEADROOM) - modelBytes;
        if (usable < perPatchBytes) {
            return 1;
        }
        return (int) Math.min(max, (long) (usable / perPatchBytes));
    }

    /**
     * Bytes one patch needs at the peak of a ViT-256 forward pass computing in {@code precision}: the float32 input,
     * the float32 residual stream and its LayerNorm, and the larger of the attention scores (all heads) and the MLP's
     * hidden layer, twice (an operation's input and output are live together), in the matrix precision.
     */
    static long vit256ActivationBytes(VisionTransformer vit256, Precision precision) {
        long tokens = (long) (RegionEncoder.PATCH / 16) * (RegionEncoder.PATCH / 16) + 1;
        long element = precision == Precision.FP32 ? Float.BYTES : 2;
        long input = 3L * RegionEncoder.PATCH * RegionEncoder.PATCH * Float.BYTES;
        long residual = 2 * tokens * vit256.dim() * Float.BYTES;
        long scores = vit256.heads() * tokens * tokens * element;
        long hidden = tokens * 4L * vit256.dim() * element;
        return input + residual + 2 * Math.max(scores, hidden);
    }

    /** Bytes of the weights on the device: float32, plus a half-precision copy when the matrices compute in one. */
    static long modelBytes(long parameters, Precision precision) {
        return parameters * (Float.BYTES + (precision == Precision.FP32 ? 0 : 2));
    }
}
