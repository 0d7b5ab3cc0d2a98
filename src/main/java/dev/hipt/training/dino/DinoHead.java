package dev.hipt.training.dino;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import dev.hipt.model.Linear;
import dev.hipt.model.TorchModule;

/**
 * DINO's projection head ({@code DINOHead}, {@code nlayers=3}, no batch norm): {@code mlp.0} Linear in -> hidden, GELU,
 * {@code mlp.2} Linear hidden -> hidden, GELU, {@code mlp.4} Linear hidden -> bottleneck, L2 normalisation
 * ({@code F.normalize}, eps 1e-12), then the weight-normalised {@code last_layer} bottleneck -> out without bias, whose
 * {@code weight_g} stays 1 ({@code norm_last_layer=True}).
 */
final class DinoHead extends TorchModule {

    private static final float NORMALIZE_EPS = 1e-12f;

    private final Linear fc0;
    private final Linear fc2;
    private final Linear fc4;
    private final WeightNormLinear lastLayer;
    private final int outDim;

    DinoHead(int inDim, int hiddenDim, int bottleneckDim, int outDim) {
        this.outDim = outDim;
        fc0 = module("mlp.0", new Linear(inDim, hiddenDim));
        fc2 = module("mlp.2", new Linear(hiddenDim, hiddenDim));
        fc4 = module("mlp.4", new Linear(hiddenDim, bottleneckDim));
        lastLayer = module("last_layer", new WeightNormLinear(bottleneckDim, outDim));
    }

    /** {@code [N, inDim] -> [N, outDim]}. */
    NDArray forward(NDArray x) {
        NDArray h = fc0.forward(x).getNDArrayInternal().gelu();
        h = fc2.forward(h).getNDArrayInternal().gelu();
        h = fc4.forward(h);
        NDArray norm = h.square().sum(new int[] {-1}, true).sqrt().maximum(NORMALIZE_EPS);
        return lastLayer.forward(h.div(norm));
    }

    /** Trainable (student) with {@code last_layer.weight_g} frozen at 1, as DINO's {@code norm_last_layer=True}. */
    void trainable() {
        freeze(false);
        lastLayer.gain().freeze(true);
    }

    int outDim() {
        return outDim;
    }

    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
        return new Shape[] {new Shape(inputShapes[0].get(0), outDim)};
    }
}
