package dev.hipt.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.util.List;
import java.util.Objects;

/**
 * HIPT_LGP_FC: the slide aggregator over a slide's regions with its classifier, used as the subtype head (softmax)
 * or the survival head (discrete-time hazards). Thread-safe like {@link RegionEncoder}.
 */
public final class SlideHead implements AutoCloseable {

    private static final int FEATURES = 384;

    private final NDManager manager;
    private final SlideAggregator aggregator;

    private SlideHead(NDManager manager, SlideAggregator aggregator) {
        this.manager = manager;
        this.aggregator = aggregator;
    }

    /**
     * The head with these weights (a HIPT_LGP_FC {@code state_dict}: {@code local_vit.*}, {@code global_phi.0.*},
     * ..., {@code classifier.*}); depth and class count from the weights.
     *
     * @throws CheckpointException naming any missing or mis-shaped parameter
     */
    public static SlideHead load(StateDict weights, ModelOptions options) {
        Objects.requireNonNull(options, "options");
        SlideAggregator aggregator = SlideAggregator.describedBy(weights);
        NDManager manager = Devices.newManager(Devices.select(options.device(), options.gpu()));
        try {
            aggregator.load(weights, manager);
            aggregator.freeze(true);
            return new SlideHead(manager, aggregator);
        } catch (RuntimeException e) {
            manager.close();
            throw e;
        }
    }

    /** The number of logits (classes, or survival time bins). */
    public int outputs() {
        return aggregator.outputs();
    }

    /**
     * The logits for one slide.
     *
     * @param cls256PerRegion each region's ViT-256 CLS tokens {@code [256 * 384]} row-major ({@link
     *                        RegionEmbedding#cls256()}), i.e. {@code x256 [M x 256 x 384]}; at least one region
     */
    public float[] logits(List<float[]> cls256PerRegion) {
        return forward(cls256PerRegion, false);
    }

    private float[] forward(List<float[]> cls256PerRegion, boolean withWeights) {
        if (cls256PerRegion.isEmpty()) {
            throw new IllegalArgumentException("a slide needs at least one region");
        }
        int len = cls256PerRegion.get(0).length;
        if (len == 0 || len % (16 * FEATURES) != 0) {
            throw new IllegalArgumentException("a region's cls256 must hold a multiple of 16 x " + FEATURES
                    + " floats, got " + len);
        }
        float[] all = new float[cls256PerRegion.size() * len];
        for (int i = 0; i < cls256PerRegion.size(); i++) {
            float[] r = cls256PerRegion.get(i);
            if (r.length != len) {
                throw new IllegalArgumentException("all regions must have the same number of patches");
            }
            System.arraycopy(r, 0, all, i * len, len);
        }
        try (NDManager call = manager.newSubManager();
             NDArray x = call.create(all, new Shape(cls256PerRegion.size(), len / FEATURES, FEATURES))) {
            NDList out = aggregator.forward(x);
            return withWeights ? out.get(1).toFloatArray() : out.get(0).toFloatArray();
        }
    }

    /**
     * The gated attention pool's softmax weights over the slide's regions ({@code [M]}, summing to 1): how much of
     * the slide-level representation each region makes up, the "attention mass" CLAM-style heatmaps draw.
     */
    public float[] regionWeights(List<float[]> cls256PerRegion) {
        return forward(cls256PerRegion, true);
    }

    /** Subtype prediction: softmax probabilities; the label is the most probable class. */
    public SubtypePrediction subtype(List<float[]> regions, List<String> classes) {
        if (classes.size() != outputs()) {
            throw new IllegalArgumentException("the subtype head has " + outputs() + " classes, but "
                    + classes.size() + " class names were given: " + classes);
        }
        float[] logits = logits(regions);
        float[] probabilities = softmax(logits);
        int best = 0;
        for (int i = 1; i < probabilities.length; i++) {
            if (probabilities[i] > probabilities[best]) {
                best = i;
            }
        }
        return new SubtypePrediction(List.copyOf(classes), logits, probabilities, classes.get(best));
    }

    /** Survival prediction: hazards = sigmoid(logits), S_k = prod_{j<=k}(1 - h_j), risk = -sum_k S_k. */
    public SurvivalPrediction survival(List<float[]> regions) {
        float[] logits = logits(regions);
        float[] hazards = new float[logits.length];
        float[] survival = new float[logits.length];
        float s = 1f;
        double risk = 0;
        for (int k = 0; k < logits.length; k++) {
            hazards[k] = (float) (1.0 / (1.0 + Math.exp(-logits[k])));
            s *= 1f - hazards[k];
            survival[k] = s;
            risk -= s;
        }
        return new SurvivalPrediction(logits, hazards, survival, risk);
    }

    static float[] softmax(float[] logits) {
        double max = Double.NEGATIVE_INFINITY;
        for (float l : logits) {
            max = Math.max(max, l);
        }
        double sum = 0;
        double[] e = new double[logits.length];
        for (int i = 0; i < logits.length; i++) {
            e[i] = Math.exp(logits[i] - max);
            sum += e[i];
        }
        float[] p = new float[logits.length];
        for (int i = 0; i < logits.length; i++) {
            p[i] = (float) (e[i] / sum);
        }
        return p;
    }

    SlideAggregator aggregator() {
        return aggregator;
    }

    @Override
    public void close() {
        manager.close();
    }
}
