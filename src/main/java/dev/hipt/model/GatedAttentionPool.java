package dev.hipt.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;

/**
 * CLAM's gated attention scorer ({@code Attn_Net_Gated}): {@code attention_c(tanh(attention_a.0(h)) *
 * sigmoid(attention_b.0(h)))}, one score per instance.
 */
final class GatedAttentionPool extends TorchModule {

    private final Linear a;
    private final Linear b;
    private final Linear c;

    public GatedAttentionPool(int in, int hidden, int outputs) {
        a = module("attention_a", new Container()).add("0", new Linear(in, hidden));
        b = module("attention_b", new Container()).add("0", new Linear(in, hidden));
        c = module("attention_c", new Linear(hidden, outputs));
    }

    /** {@code [M, in] -> [M, outputs]} raw scores. */
    public NDArray forward(NDArray h) {
        NDArray gated = a.forward(h).tanh().mul(Ops.sigmoid(b.forward(h)));
        return c.forward(gated);
    }

    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
        return new Shape[] {new Shape(inputShapes[0].get(0), 1)};
    }
}
