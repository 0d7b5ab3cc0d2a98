package dev.hipt.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;

/** The ViT MLP: {@code fc2(GELU(fc1(x)))} with exact (erf) GELU. */
final class Mlp extends TorchModule {

    private final Linear fc1;
    private final Linear fc2;

    public Mlp(int dim, int hidden) {
        fc1 = module("fc1", new Linear(dim, hidden));
        fc2 = module("fc2", new Linear(hidden, dim));
    }

    public NDArray forward(NDArray x) {
        NDArray h = fc1.forward(x);
        NDArray g = Ops.gelu(h);
        h.close();
        NDArray y = fc2.forward(g);
        g.close();
        return y;
    }

    int hidden() {
        return fc1.out;
    }

    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
        return inputShapes;
    }
}
