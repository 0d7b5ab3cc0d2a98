package dev.hipt.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;

/** {@code nn.LayerNorm} over the last axis with an affine weight and bias. */
public final class LayerNorm extends TorchModule {

    private final Parameter weight;
    private final Parameter bias;
    private final int dim;
    private final float eps;

    public LayerNorm(int dim, float eps) {
        this.dim = dim;
        this.eps = eps;
        weight = parameter("weight", Init.ONES, dim);
        bias = parameter("bias", Init.ZEROS, dim);
    }

    public NDArray forward(NDArray x) {
        return x.getNDArrayInternal().layerNorm(x, new Shape(dim), value(weight), value(bias), eps).singletonOrThrow();
    }

    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
        return inputShapes;
    }
}
