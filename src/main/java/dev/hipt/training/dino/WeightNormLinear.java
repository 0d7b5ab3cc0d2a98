package dev.hipt.training.dino;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import dev.hipt.model.TorchModule;

/**
 * {@code nn.utils.weight_norm(nn.Linear(in, out, bias=False))}: the weight is {@code weight_g * weight_v / |row of
 * weight_v|} (norm over the input axis, per output), parameters {@code weight_g [out, 1]} and
 * {@code weight_v [out, in]}. DINO fixes {@code weight_g} to 1 ({@code norm_last_layer=True}): see {@link #gain()}.
 */
final class WeightNormLinear extends TorchModule {

    private final Parameter weightG;
    private final Parameter weightV;
    private final int out;

    WeightNormLinear(int in, int out) {
        this.out = out;
        weightG = parameter("weight_g", Init.ONES, out, 1);
        weightV = parameter("weight_v", Init.TRUNC_NORMAL, out, in);
    }

    /** {@code [N, in] -> [N, out]}. */
    NDArray forward(NDArray x) {
        NDArray v = value(weightV);
        NDArray w = v.mul(value(weightG).div(v.square().sum(new int[] {1}, true).sqrt()));
        return x.matMul(w.transpose());
    }

    /** {@code weight_g}, which DINO keeps frozen at 1. */
    Parameter gain() {
        return weightG;
    }

    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
        return new Shape[] {new Shape(inputShapes[0].get(0), out)};
    }
}
