package dev.hipt.model;

import ai.djl.ndarray.NDArray;
import ai.djl.nn.Parameter;

/** {@code nn.Linear}: {@code y = x W^T + b} over the last axis, any leading axes. */
public final class Linear extends TorchModule {

    private final Parameter weight;
    private final Parameter bias;
    final int in;
    final int out;

    public Linear(int in, int out) {
        this.in = in;
        this.out = out;
        weight = parameter("weight", Init.TRUNC_NORMAL, out, in);
        bias = parameter("bias", Init.ZEROS, out);
    }

    public NDArray forward(NDArray x) {
        return Ops.linear(x, value(weight), value(bias));
    }

    NDArray weight() {
        return value(weight);
    }

    NDArray bias() {
        return value(bias);
    }

    @Override
    public ai.djl.ndarray.types.Shape[] getOutputShapes(ai.djl.ndarray.types.Shape[] inputShapes) {
        long[] s = inputShapes[0].getShape().clone();
        s[s.length - 1] = out;
        return new ai.djl.ndarray.types.Shape[] {new ai.djl.ndarray.types.Shape(s)};
    }
}
