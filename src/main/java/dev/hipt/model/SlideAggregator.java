package dev.hipt.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * HIPT_LGP_FC ("small"): ViT-4K over each region's grid of ViT-256 CLS tokens ({@code local_vit}), then
 * {@code global_phi} (Linear + ReLU), {@code global_transformer.layers.N} (post-norm encoder layers over the regions),
 * gated attention pooling ({@code global_attn_pool}) with softmax over regions, {@code global_rho} (Linear + ReLU) and
 * the {@code classifier}. Parameter names are those of the PyTorch {@code state_dict}.
 */
public final class SlideAggregator extends TorchModule {

    /** LayerNorm epsilon of {@code nn.TransformerEncoderLayer}. */
    public static final float ENCODER_EPS = 1e-5f;

    private final VisionTransformer localVit;
    private final Linear globalPhi;
    private final List<TransformerEncoderLayer> layers;
    private final GatedAttentionPool pool;
    private final Linear globalRho;
    private final Linear classifier;
    private final int outputs;

    /**
     * @param localVit    the region-level ViT-4K ({@link VisionTransformer.Stem#PHI})
     * @param globalDim   width of the global stage (192)
     * @param layers      number of encoder layers (2)
     * @param globalHeads encoder heads (3)
     * @param outputs     classifier outputs
     */
    public SlideAggregator(VisionTransformer localVit, int globalDim, int layers, int globalHeads, int outputs) {
        this.outputs = outputs;
        this.localVit = module("local_vit", localVit);
        globalPhi = module("global_phi", new Container()).add("0", new Linear(localVit.dim(), globalDim));
        List<TransformerEncoderLayer> list = new ArrayList<>();
        for (int i = 0; i < layers; i++) {
            list.add(module("global_transformer.layers." + i,
                    new TransformerEncoderLayer(globalDim, globalHeads, globalDim, ENCODER_EPS)));
        }
        this.layers = Collections.unmodifiableList(list);
        pool = module("global_attn_pool", new GatedAttentionPool(globalDim, globalDim, 1));
        globalRho = module("global_rho", new Container()).add("0", new Linear(globalDim, globalDim));
        classifier = module("classifier", new Linear(globalDim, outputs));
    }

    /** The official "small" aggregator: ViT-4K of {@code localDepth} blocks, 192 wide, 2 layers of 3 heads. */
    public static SlideAggregator small(int localDepth, int outputs) {
        return new SlideAggregator(VisionTransformer.vit4k(localDepth), 192, 2, 3, outputs);
    }

    /**
     * The aggregator that {@code weights} (a HIPT_LGP_FC state dict) describe: local ViT depth and widths, encoder
     * layer count and class count from names and shapes; not loaded.
     */
    public static SlideAggregator describedBy(StateDict weights) {
        VisionTransformer local = VisionTransformer.describedBy(weights.withPrefix("local_vit."), 6);
        if (local.stem() != VisionTransformer.Stem.PHI) {
            throw new CheckpointException("checkpoint is missing parameter 'local_vit.phi.0.weight'");
        }
        Tensor phi = weights.get("global_phi.0.weight");
        if (phi.shape().length != 2) {
            throw new CheckpointException("parameter 'global_phi.0.weight' has " + phi.shape().length
                    + " dimensions, expected 2");
        }
        int layers = weights.countIndexed("global_transformer.layers.");
        if (layers < 1) {
            throw new CheckpointException("checkpoint is missing parameter 'global_transformer.layers.0.*'");
        }
        Tensor cls = weights.get("classifier.weight");
        if (cls.shape().length != 2) {
            throw new CheckpointException("parameter 'classifier.weight' has " + cls.shape().length
                    + " dimensions, expected 2");
        }
        return new SlideAggregator(local, (int) phi.shape()[0], layers, 3, (int) cls.shape()[0]);
    }

    /** {@link #describedBy} then {@link #load}. */
    public static SlideAggregator fromStateDict(StateDict weights, NDManager manager) {
        SlideAggregator aggregator = describedBy(weights);
        aggregator.load(weights, manager);
        return aggregator;
    }

    public int outputs() {
        return outputs;
    }

    public VisionTransformer localVit() {
        return localVit;
    }

    /**
     * A slide's regions {@code x256 [M, N, inDim]} (each region's ViT-256 CLS tokens, row-major in rows of 16 as
     * HIPT's {@code unfold(1, 16, 16)} arranges them) to logits {@code [1, outputs]} and the attention weights over
     * regions {@code [1, M]}. Results belong to {@code x256}'s manager.
     */
    public NDList forward(NDArray x256) {
        long tokens = x256.getShape().get(1);
        if (tokens % 16 != 0) {
            throw new IllegalArgumentException("each region must hold a multiple of 16 patches, got " + tokens);
        }
        int rows = (int) (tokens / 16);
        return scoped(x256.getManager(), () -> {
            NDArray h = Ops.relu(globalPhi.forward(localVit.forwardTokens(x256, rows, 16, false).get(0)));
            for (TransformerEncoderLayer layer : layers) {
                h = layer.forward(h);
            }
            NDArray weights = pool.forward(h).transpose(1, 0).softmax(1);
            NDArray pooled = weights.matMul(h);
            NDArray logits = classifier.forward(Ops.relu(globalRho.forward(pooled)));
            return new NDList(logits, weights);
        });
    }

    @Override
    protected NDList forwardInternal(ParameterStore parameterStore, NDList inputs, boolean training,
                                     PairList<String, Object> params) {
        return new NDList(forward(inputs.singletonOrThrow()).get(0));
    }

    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
        return new Shape[] {new Shape(1, outputs)};
    }
}
