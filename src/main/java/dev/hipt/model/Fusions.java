package dev.hipt.model;

/**
 * Which fusions the compiled path uses (all of them in production; the benchmark switches them off one by one to
 * measure each, docs/performance.md). None of them changes what is computed, only how many passes over memory it
 * takes.
 *
 * @param sdpa        attention through {@code torch.scaled_dot_product_attention} (else explicit
 *                    {@code softmax(q k^T) v})
 * @param onednn      block Linear layers as oneDNN inner products on weights reordered once at load, with the bias
 *                    fused (CPU, where oneDNN supports the precision: {@link #onednnSupports}); else
 *                    {@code torch.linear}, which copies the bias into every output and reorders the weight per call
 * @param fusedGelu   with {@code onednn}: the MLP's GELU as a post-op of its first Linear
 * @param linearStem  ViT-256's patch embedding as a patchify reshape and a Linear (through oneDNN where
 *                    {@code onednn}), which its Conv2d of stride = kernel equals; else {@code torch.conv2d}
 * @param splitCls    with {@code sdpa}: the patch queries through SDPA against all keys and the CLS query apart (one
 *                    small product and softmax), instead of all 257 queries in one SDPA call
 */
record Fusions(boolean sdpa, boolean onednn, boolean fusedGelu, boolean linearStem, boolean splitCls) {

    /** The production setting. */
    static final Fusions ALL = new Fusions(true, true, true, true, false);

    /** These fusions with oneDNN prepacking on or off. */
    Fusions withOnednn(boolean on) {
        return new Fusions(sdpa, on, fusedGelu, linearStem, splitCls);
    }

    /**
     * Whether oneDNN's inner product runs {@code precision} on a CPU with these flags: float32 on any x86-64 CPU,
     * bfloat16 with AVX-512 BW/VL/DQ (what libtorch's {@code mkldnn_bf16_device_check} asks), float16 with
     * AVX512-FP16 or AMX-FP16. Elsewhere (other architectures, older CPUs) the module keeps {@code torch.linear}.
     */
    static boolean onednnSupports(Precision precision, java.util.Set<String> flags) {
        String arch = System.getProperty("os.arch");
        if (!"amd64".equals(arch) && !"x86_64".equals(arch)) {
            return false;
        }
        return switch (precision) {
            case FP32 -> true;
            case BF16 -> flags.containsAll(java.util.List.of("avx512bw", "avx512vl", "avx512dq"));
            case FP16 -> flags.contains("avx512_fp16") || flags.contains("amx_fp16");
            case AUTO -> throw new IllegalStateException("resolve AUTO first");
        };
    }
}
