package dev.hipt.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;

/** {@code nn.Conv2d} with square kernel, stride equal to the kernel and no padding: a patch embedding. */
final class Conv2d extends TorchModule {

    private final Parameter weight;
    private final Parameter bias;
    private final int kernel;
    private final int out;

    public Conv2d(int in, int out, int kernel) {
        this.kernel = kernel;
        this.out = out;
        weight = parameter("weight", Init.TRUNC_NORMAL, out, in, kernel, kernel);
        bias = parameter("bias", Init.ZEROS, out);
    }

    /** {@code [B, in, H, W] -> [B, out, H / k, W / k]}. */
    public NDArray forward(NDArray x) {
        return x.getNDArrayInternal()
                .convolution(x, value(weight), value(bias), new Shape(kernel, kernel), new Shape(0, 0), new Shape(1, 1), 1)
                .singletonOrThrow();
    }

    int kernel() {
        return kernel;
    }

    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
        Shape s = inputShapes[0];
        return new Shape[] {new Shape(s.get(0), out, s.get(2) / kernel, s.get(3) / kernel)};
    }
}
