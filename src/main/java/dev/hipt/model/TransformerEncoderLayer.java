package dev.hipt.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;

/**
 * PyTorch's {@code nn.TransformerEncoderLayer} with {@code norm_first=False} (post-norm) and ReLU, for one sequence
 * (batch 1): {@code x = norm1(x + self_attn(x)); x = norm2(x + linear2(relu(linear1(x))))}. The attention uses the
 * packed {@code self_attn.in_proj_weight [3d x d]} ({@code [q|k|v]}) and {@code self_attn.out_proj}.
 */
final class TransformerEncoderLayer extends TorchModule {

    private final Parameter inProjWeight;
    private final Parameter inProjBias;
    private final Linear outProj;
    private final Linear linear1;
    private final Linear linear2;
    private final LayerNorm norm1;
    private final LayerNorm norm2;
    private final int dim;
    private final int heads;

    public TransformerEncoderLayer(int dim, int heads, int feedForward, float eps) {
        this.dim = dim;
        this.heads = heads;
        Container selfAttn = module("self_attn", new Container());
        inProjWeight = selfAttn.parameterOf("in_proj_weight", Init.TRUNC_NORMAL, 3L * dim, dim);
        inProjBias = selfAttn.parameterOf("in_proj_bias", Init.ZEROS, 3L * dim);
        outProj = selfAttn.add("out_proj", new Linear(dim, dim));
        linear1 = module("linear1", new Linear(dim, feedForward));
        linear2 = module("linear2", new Linear(feedForward, dim));
        norm1 = module("norm1", new LayerNorm(dim, eps));
        norm2 = module("norm2", new LayerNorm(dim, eps));
    }

    /** One sequence {@code [L, d] -> [L, d]}. */
    public NDArray forward(NDArray x) {
        return scopedArray(() -> {
            NDArray y = norm1.forward(x.add(selfAttention(x)));
            return norm2.forward(y.add(linear2.forward(Ops.relu(linear1.forward(y)))));
        });
    }

    private NDArray selfAttention(NDArray x) {
        long len = x.getShape().get(0);
        int headDim = dim / heads;
        NDArray qkv = Ops.linear(x, value(inProjWeight), value(inProjBias))
                .reshape(len, 3, heads, headDim).transpose(1, 2, 0, 3);
        NDArray q = qkv.get(0).mul((float) (1.0 / Math.sqrt(headDim)));
        NDArray attn = q.matMul(qkv.get(1).transpose(0, 2, 1)).softmax(-1);
        NDArray out = attn.matMul(qkv.get(2)).transpose(1, 0, 2).reshape(len, dim);
        return outProj.forward(out);
    }

    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
        return inputShapes;
    }
}
