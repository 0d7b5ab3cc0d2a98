package dev.hipt.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.Shape;

/** A pre-norm transformer block: {@code x = x + attn(norm1(x)); x = x + mlp(norm2(x))}. */
final class Block extends TorchModule {

    private final LayerNorm norm1;
    private final Attention attn;
    private final LayerNorm norm2;
    private final Mlp mlp;

    public Block(int dim, int heads, int mlpHidden, float eps) {
        norm1 = module("norm1", new LayerNorm(dim, eps));
        attn = module("attn", new Attention(dim, heads));
        norm2 = module("norm2", new LayerNorm(dim, eps));
        mlp = module("mlp", new Mlp(dim, mlpHidden));
    }

    /** {@code [B, N, C] -> [B, N, C]}; intermediates are released before returning. */
    public NDArray forward(NDArray x) {
        return scopedArray(() -> {
            NDArray y = x.add(attn.forward(norm1.forward(x)));
            return y.add(mlp.forward(norm2.forward(y)));
        });
    }

    /**
     * Training forward with stochastic depth: {@code x + s1 * attn(norm1(x))}, then {@code + s2 * mlp(norm2(.))}, where
     * {@code attnScale}/{@code mlpScale} are per-sample {@code [B, 1, 1]} factors (0 or 1 / keep probability), or null
     * for a branch that is kept for every sample.
     */
    public NDArray forwardTraining(NDArray x, NDArray attnScale, NDArray mlpScale) {
        return scopedArray(() -> {
            NDArray a = attn.forward(norm1.forward(x));
            NDArray y = x.add(attnScale == null ? a : a.mul(attnScale));
            NDArray m = mlp.forward(norm2.forward(y));
            return y.add(mlpScale == null ? m : m.mul(mlpScale));
        });
    }

    /**
     * The block's output for the CLS token only, {@code [B, 1, C]} (the patch tokens' outputs of a last block are
     * never used), and optionally the CLS attention {@code [B, heads, N - 1]}.
     */
    public NDList forwardCls(NDArray x, boolean withAttention) {
        return scoped(null, () -> {
            NDList a = attn.forwardCls(norm1.forward(x), withAttention);
            NDArray y = x.get(":, :1, :").add(a.get(0));
            return new NDList(y.add(mlp.forward(norm2.forward(y))), a.get(1));
        });
    }

    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
        return inputShapes;
    }
}
