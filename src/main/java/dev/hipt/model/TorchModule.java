package dev.hipt.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.nn.Parameter;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.function.Supplier;

/**
 * A DJL block that mirrors one PyTorch {@code nn.Module}: its own parameters and its sub-modules carry the PyTorch
 * attribute names, so {@link #namedParameters()} yields exactly the keys of the module's {@code state_dict}
 * ({@code blocks.3.attn.qkv.weight}) and a {@link StateDict} maps onto it one to one in both directions.
 *
 * <p>Parameters are real DJL {@link Parameter}s: once {@link #load loaded} and not {@link #freeze frozen}, a forward
 * pass under a {@code GradientCollector} gives each of them a gradient, and DJL optimisers can update them by id.
 */
public abstract class TorchModule extends AbstractBlock {

    /** How {@link #randomStateDict} fills a parameter, following the reference's initialisation. */
    public enum Init {
        /** All zeros (biases). */
        ZEROS,
        /** All ones (LayerNorm weights). */
        ONES,
        /** Normal with std 0.02, cut at two standard deviations (weights, embeddings). */
        TRUNC_NORMAL
    }

    private final Map<String, Parameter> ownParameters = new LinkedHashMap<>();
    private final Map<String, long[]> ownShapes = new LinkedHashMap<>();
    private final Map<String, Init> ownInits = new LinkedHashMap<>();
    private final Map<String, TorchModule> modules = new LinkedHashMap<>();
    private volatile NDManager weightsManager;

    /** Declares a parameter of this module under its PyTorch attribute name. */
    protected final Parameter parameter(String name, Init init, long... shape) {
        Parameter.Type type = name.endsWith("bias") ? Parameter.Type.BIAS : Parameter.Type.WEIGHT;
        Parameter p = Parameter.builder().setName(name).setType(type).optShape(new Shape(shape)).build();
        addParameter(p);
        ownParameters.put(name, p);
        ownShapes.put(name, shape.clone());
        ownInits.put(name, init);
        return p;
    }

    /** Declares a sub-module under its PyTorch attribute name (e.g. {@code "attn"}, {@code "blocks.3"}). */
    protected final <M extends TorchModule> M module(String name, M module) {
        addChildBlock(name, module);
        modules.put(name, module);
        return module;
    }

    /** Every parameter of this module tree under its full PyTorch name, in declaration order. */
    public final Map<String, Parameter> namedParameters() {
        Map<String, Parameter> out = new LinkedHashMap<>();
        collect("", out, null);
        return Collections.unmodifiableMap(out);
    }

    /** The shape each parameter must have, by full PyTorch name. */
    public final Map<String, long[]> parameterShapes() {
        Map<String, long[]> out = new LinkedHashMap<>();
        collect("", null, out);
        return Collections.unmodifiableMap(out);
    }

    private void collect(String prefix, Map<String, Parameter> params, Map<String, long[]> shapes) {
        ownParameters.forEach((name, p) -> {
            if (params != null) {
                params.put(prefix + name, p);
            }
            if (shapes != null) {
                shapes.put(prefix + name, ownShapes.get(name).clone());
            }
        });
        modules.forEach((name, m) -> m.collect(prefix + name + ".", params, shapes));
    }

    private void collectInits(String prefix, Map<String, Init> out) {
        ownInits.forEach((name, init) -> out.put(prefix + name, init));
        modules.forEach((name, m) -> m.collectInits(prefix + name + ".", out));
    }

    /**
     * Checks that {@code weights} has every parameter of this module tree under its PyTorch name and in its shape,
     * without creating anything native; entries this module does not use are ignored.
     *
     * @throws CheckpointException naming the first missing or mis-shaped parameter
     */
    public final void check(StateDict weights) {
        parameterShapes().forEach(weights::get);
    }

    /**
     * Sets every parameter from {@code weights} (entries this module does not use are ignored), creating the
     * arrays in {@code manager}. All names and shapes are checked before anything changes: a missing or mis-shaped
     * parameter is a {@link CheckpointException} that names it. Parameters keep their frozen/trainable state.
     */
    public final void load(StateDict weights, NDManager manager) {
        Map<String, Parameter> params = namedParameters();
        Map<String, long[]> shapes = parameterShapes();
        Map<String, Tensor> values = new LinkedHashMap<>();
        params.keySet().forEach(name -> values.put(name, weights.get(name, shapes.get(name))));
        params.forEach((name, p) -> {
            Tensor t = values.get(name);
            p.close();
            p.setInitializer((m, shape, type) -> m.create(t.data(), new Shape(t.shape())));
            p.initialize(manager, DataType.FLOAT32);
            NDScope.unregister(p.getArray());
        });
        setWeightsManager(manager);
    }

    /** Called on every module of the tree after {@link #load}; drops caches tied to the old weights. */
    protected void onLoaded() {
    }

    private void setWeightsManager(NDManager manager) {
        weightsManager = manager;
        onLoaded();
        modules.values().forEach(m -> m.setWeightsManager(manager));
    }

    /** The manager the weights live in (set by {@link #load}). */
    final NDManager weightsManager() {
        NDManager m = weightsManager;
        if (m == null) {
            throw new IllegalStateException(getClass().getSimpleName() + " has no weights: call load() first");
        }
        return m;
    }

    /** Copies every parameter out, under its PyTorch name: the inverse of {@link #load}. */
    public final StateDict toStateDict() {
        Map<String, Tensor> out = new LinkedHashMap<>();
        Map<String, long[]> shapes = parameterShapes();
        namedParameters().forEach((name, p) -> out.put(name, new Tensor(shapes.get(name), p.getArray().toFloatArray())));
        return new StateDict(out);
    }

    /**
     * Seeded random weights with the reference's initialisation: truncated normal (std 0.02, cut at 2 std) for
     * weights and embeddings, zeros for biases, ones and zeros for LayerNorm.
     */
    public final StateDict randomStateDict(long seed) {
        Map<String, Init> inits = new LinkedHashMap<>();
        collectInits("", inits);
        Map<String, long[]> shapes = parameterShapes();
        SplittableRandom random = new SplittableRandom(seed);
        Map<String, Tensor> out = new LinkedHashMap<>();
        inits.forEach((name, init) -> {
            long[] shape = shapes.get(name);
            float[] data = new float[Math.toIntExact(Tensor.numel(shape))];
            switch (init) {
                case ONES -> java.util.Arrays.fill(data, 1f);
                case ZEROS -> { }
                case TRUNC_NORMAL -> {
                    for (int i = 0; i < data.length; i++) {
                        double v;
                        do {
                            v = gaussian(random);
                        } while (Math.abs(v) > 2);
                        data[i] = (float) (0.02 * v);
                    }
                }
            }
            out.put(name, new Tensor(shape, data));
        });
        return new StateDict(out);
    }

    private static double gaussian(SplittableRandom random) {
        double u1 = random.nextDouble();
        double u2 = random.nextDouble();
        return Math.sqrt(-2 * Math.log(1 - u1)) * Math.cos(2 * Math.PI * u2);
    }

    /** Freezes (inference: no gradients, no autograd graph) or unfreezes (training) every parameter. */
    public final void freeze(boolean frozen) {
        namedParameters().values().forEach(p -> p.freeze(frozen));
    }

    /** The array of a parameter declared by this module. */
    protected static NDArray value(Parameter p) {
        return p.getArray();
    }

    @Override
    protected void initializeChildBlocks(NDManager manager, DataType dataType, Shape... inputShapes) {
        for (TorchModule m : modules.values()) {
            m.initialize(manager, dataType, inputShapes);
        }
    }

    /**
     * Runs {@code body} in an {@link NDScope} that closes every intermediate array. The returned arrays survive: they
     * are attached to {@code owner} (the caller's per-call manager, so nothing lands in the weights' manager) and
     * registered in the caller's own scope, if any, like the result of any other operation.
     */
    static NDList scoped(NDManager owner, Supplier<NDList> body) {
        NDList result;
        try (NDScope scope = new NDScope()) {
            scope.suppressNotUsedWarning();
            result = body.get();
            for (NDArray a : result) {
                if (a != null) {
                    NDScope.unregister(a);
                }
            }
        }
        for (NDArray a : result) {
            if (a != null) {
                if (owner != null) {
                    a.attach(owner);
                }
                NDScope.register(a);
            }
        }
        return result;
    }

    /** {@link #scoped(NDManager, Supplier)} for one array that stays with the manager it was made in. */
    static NDArray scopedArray(Supplier<NDArray> body) {
        return scoped(null, () -> new NDList(body.get())).get(0);
    }

    @Override
    protected NDList forwardInternal(ParameterStore parameterStore, NDList inputs, boolean training,
                                     PairList<String, Object> params) {
        throw new UnsupportedOperationException(getClass().getSimpleName() + " is called through its parent");
    }
}
