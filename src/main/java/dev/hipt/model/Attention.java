package dev.hipt.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.Shape;

/**
 * ViT multi-head self-attention: {@code qkv} Linear with bias laid out {@code [q|k|v]}, each split into heads,
 * softmax over keys of {@code q k^T * head_dim^-0.5}, then {@code proj}.
 */
final class Attention extends TorchModule {

    private final Linear qkv;
    private final Linear proj;
    private final int dim;
    private final int heads;
    private final int headDim;
    private final float scale;

    public Attention(int dim, int heads) {
        if (dim % heads != 0) {
            throw new IllegalArgumentException("dim " + dim + " is not divisible by " + heads + " heads");
        }
        this.dim = dim;
        this.heads = heads;
        this.headDim = dim / heads;
        this.scale = (float) Math.pow(headDim, -0.5);
        qkv = module("qkv", new Linear(dim, 3 * dim));
        proj = module("proj", new Linear(dim, dim));
    }

    /** All tokens attend: {@code [B, N, C] -> [B, N, C]}. */
    public NDArray forward(NDArray x) {
        long b = x.getShape().get(0);
        long n = x.getShape().get(1);
        NDArray packed = qkv.forward(x).reshape(b, n, 3, heads, headDim).transpose(2, 0, 3, 1, 4);
        NDArray q = packed.get(0).mul(scale);
        NDArray k = packed.get(1);
        NDArray v = packed.get(2);
        NDArray attn = q.matMul(k.transpose(0, 1, 3, 2)).softmax(-1);
        NDArray out = attn.matMul(v).transpose(0, 2, 1, 3).reshape(b, n, dim);
        return proj.forward(out);
    }

    /**
     * Only the CLS query (token 0) attends, which is all the last block needs to produce the CLS output:
     * {@code [B, N, C] -> [B, 1, C]}, plus, when asked, the CLS-to-other-token attention {@code [B, heads, N - 1]}.
     */
    public NDList forwardCls(NDArray x, boolean withAttention) {
        long b = x.getShape().get(0);
        long n = x.getShape().get(1);
        NDArray w = qkv.weight();
        NDArray bias = qkv.bias();
        NDArray q = Ops.linear(x.get(":, :1, :"), w.get(":" + dim), bias.get(":" + dim))
                .reshape(b, 1, heads, headDim).transpose(0, 2, 1, 3).mul(scale);
        NDArray kv = Ops.linear(x, w.get(dim + ":"), bias.get(dim + ":"))
                .reshape(b, n, 2, heads, headDim).transpose(2, 0, 3, 1, 4);
        NDArray k = kv.get(0);
        NDArray v = kv.get(1);
        NDArray attn = q.matMul(k.transpose(0, 1, 3, 2)).softmax(-1);
        NDArray out = attn.matMul(v).transpose(0, 2, 1, 3).reshape(b, 1, dim);
        NDArray projected = proj.forward(out);
        NDArray clsAttention = withAttention ? attn.get(":, :, 0, 1:") : null;
        return new NDList(projected, clsAttention);
    }

    int heads() {
        return heads;
    }

    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
        return inputShapes;
    }
}
