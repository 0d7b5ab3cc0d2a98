package dev.hipt.training.dino;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.pytorch.jni.JniUtils;
import ai.djl.training.GradientCollector;
import dev.hipt.model.CheckpointException;
import dev.hipt.model.Devices;
import dev.hipt.model.ModelOptions;
import dev.hipt.model.StateDict;
import dev.hipt.model.Tensor;
import dev.hipt.model.VisionTransformer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * DINO self-distillation of one HIPT backbone, iteration by iteration, as {@code main_dino.py} /
 * {@code main_dino4k.py} train: the student (backbone with stochastic depth + {@link DinoHead}) sees every view, the
 * teacher (an EMA of the student, no gradient, no drop-path) only the global views; {@link DinoLoss}; AdamW with
 * DINO's parameter groups (no weight decay on biases and 1-D parameters), per-iteration cosine schedules of learning
 * rate (with linear warmup), weight decay and teacher momentum; per-parameter gradient clipping; the head's last layer
 * frozen during the first {@code freezeLastLayer} epochs.
 *
 * <p>Runs are reproducible: the random initialisation and every stochastic-depth draw derive from the seed (and the
 * iteration), so N steps, a checkpoint, {@link #resume} and M more steps equal N + M steps. Not thread-safe: one
 * thread at a time drives a trainer, any thread (each step sets that thread's PyTorch grad mode itself). Native
 * memory lives in one manager, released by {@link #close()}.
 */
public final class DinoTrainer implements AutoCloseable {

    /** The two stages of HIPT's hierarchical pretraining. */
    public enum Stage {
        /** Stage 1: ViT-256/16 ({@code vit_small}) on RGB patches. */
        VIT256("vit_small"),
        /** Stage 2: ViT-4K/256 ({@code vit4k_xs}) on grids of ViT-256 CLS tokens. */
        VIT4K("vit4k_xs");

        private final String arch;

        Stage(String arch) {
            this.arch = arch;
        }

        /** HIPT's name of the architecture ({@code args.arch}). */
        public String arch() {
            return arch;
        }
    }

    /** Attention heads of both HIPT backbones. */
    static final int HEADS = 6;

    private final Stage stage;
    private final DinoHyperParameters hp;
    private final int itersPerEpoch;
    private final int totalIterations;
    private final long seed;
    private final NDManager manager;
    private final VisionTransformer studentBackbone;
    private final DinoHead studentHead;
    private final VisionTransformer teacherBackbone;
    private final DinoHead teacherHead;
    private final DinoLoss loss;
    private final Map<String, Parameter> studentParameters;
    private final Map<String, Parameter> teacherParameters;
    /** The optimised parameters in {@code torch.optim} index order: DINO's regularised group, then the other. */
    private final List<String> optimised;
    private final int regularisedCount;
    private final Map<String, AdamW> adam = new LinkedHashMap<>();
    private final CosineSchedule lrSchedule;
    private final CosineSchedule wdSchedule;
    private final CosineSchedule momentumSchedule;
    private int iteration;
    private double lastLr;
    private double lastWd;

    private DinoTrainer(Stage stage, DinoHyperParameters hp, int itersPerEpoch, int totalIterations, long seed,
                        ModelOptions options, StateDict student, StateDict teacher) {
        if (itersPerEpoch < 1) {
            throw new IllegalArgumentException("itersPerEpoch must be at least 1, got " + itersPerEpoch);
        }
        if (totalIterations < 1) {
            throw new IllegalArgumentException("totalIterations must be at least 1, got " + totalIterations);
        }
        this.stage = stage;
        this.hp = hp;
        this.itersPerEpoch = itersPerEpoch;
        this.totalIterations = totalIterations;
        this.seed = seed;
        StateDict studentBackboneWeights = student.withPrefix("backbone.");
        studentBackbone = backboneFor(stage, studentBackboneWeights);
        teacherBackbone = backboneFor(stage, studentBackboneWeights);
        studentHead = new DinoHead(studentBackbone.dim(), hp.hiddenDim(), hp.bottleneckDim(), hp.outDim());
        teacherHead = new DinoHead(studentBackbone.dim(), hp.hiddenDim(), hp.bottleneckDim(), hp.outDim());
        manager = Devices.newManager(Devices.select((options == null ? ModelOptions.defaults() : options).device()));
        try {
            studentBackbone.load(studentBackboneWeights, manager);
            studentHead.load(student.withPrefix("head."), manager);
            teacherBackbone.load(teacher.withPrefix("backbone."), manager);
            teacherHead.load(teacher.withPrefix("head."), manager);
            studentBackbone.freeze(false);
            studentHead.trainable();
            teacherBackbone.freeze(true);
            teacherHead.freeze(true);
            studentParameters = prefixed(studentBackbone, studentHead);
            teacherParameters = prefixed(teacherBackbone, teacherHead);
            loss = new DinoLoss(hp, manager);
        } catch (RuntimeException e) {
            manager.close();
            throw e;
        }
        List<String> regularised = new ArrayList<>();
        List<String> plain = new ArrayList<>();
        studentParameters.forEach((name, p) -> {
            if (p.requiresGradient()) {
                (isRegularised(name, p) ? regularised : plain).add(name);
            }
        });
        regularisedCount = regularised.size();
        optimised = new ArrayList<>(regularised);
        optimised.addAll(plain);
        optimised.forEach(name -> adam.put(name, new AdamW()));
        int warmup = (int) Math.min((long) hp.warmupEpochs() * itersPerEpoch, totalIterations);
        lrSchedule = new CosineSchedule(hp.scaledLr(), hp.minLr(), totalIterations, warmup, 0);
        wdSchedule = new CosineSchedule(hp.weightDecay(), hp.weightDecayEnd(), totalIterations);
        momentumSchedule = new CosineSchedule(hp.momentumTeacher(), 1, totalIterations);
    }

    /**
     * A new run: the student backbone is {@code init} (a ViT state dict as {@code CheckpointReader} gives it; its
     * depth and widths set the architecture) or, when null, the official architecture (12 blocks for ViT-256, 6 for
     * ViT-4K) with seeded random weights; the head is seeded random; the teacher is a copy of the student.
     *
     * @throws IllegalArgumentException when {@code init} is not a backbone of {@code stage}, or a count is below 1
     * @throws CheckpointException      when {@code init} misses or mis-shapes a parameter
     */
    public static DinoTrainer create(Stage stage, DinoHyperParameters hp, int itersPerEpoch, int totalIterations,
                                     StateDict init, long seed, ModelOptions options) {
        VisionTransformer shape = init == null
                ? (stage == Stage.VIT256 ? VisionTransformer.vit256(12) : VisionTransformer.vit4k(6))
                : backboneFor(stage, init);
        StateDict backbone = init == null ? shape.randomStateDict(seed) : init;
        DinoHead head = new DinoHead(shape.dim(), hp.hiddenDim(), hp.bottleneckDim(), hp.outDim());
        StateDict student = join(backbone, head.randomStateDict(seed ^ 0x5DEECE66DL));
        return new DinoTrainer(stage, hp, itersPerEpoch, totalIterations, seed, options, student, student);
    }

    /**
     * Continues a run exactly where {@code officialPth} (written by {@link #writeCheckpoint}) left off: student,
     * teacher, optimiser moments and step counts, loss center, iteration, hyper-parameters, schedules and seed.
     *
     * @throws CheckpointException when the file is unreadable or not a checkpoint this trainer wrote
     */
    public static DinoTrainer resume(Path officialPth, ModelOptions options) {
        DinoCheckpoint.Contents c = DinoCheckpoint.read(officialPth);
        DinoTrainer trainer = new DinoTrainer(c.stage(), c.hyperParameters(), c.itersPerEpoch(),
                c.totalIterations(), c.seed(), options, c.student(), c.teacher());
        try {
            trainer.restore(c);
        } catch (RuntimeException e) {
            trainer.close();
            throw e;
        }
        return trainer;
    }

    private void restore(DinoCheckpoint.Contents c) {
        if (c.iteration() < 0 || c.iteration() > totalIterations) {
            throw new CheckpointException("checkpoint iteration " + c.iteration() + " is outside the run's "
                    + totalIterations);
        }
        iteration = c.iteration();
        if (c.center().length != hp.outDim()) {
            throw new CheckpointException("dino_loss.center has " + c.center().length + " values, out_dim is "
                    + hp.outDim());
        }
        loss.setCenter(c.center());
        c.optimiserState().forEach((index, state) -> {
            if (index < 0 || index >= optimised.size()) {
                throw new CheckpointException("optimizer state for parameter " + index + ", but the run optimises "
                        + optimised.size());
            }
            String name = optimised.get(index);
            long[] shape = studentParameters.get(name).getArray().getShape().getShape();
            if (!state.expAvg().hasShape(shape) || !state.expAvgSq().hasShape(shape)) {
                throw new CheckpointException("optimizer state " + index + " (" + name + ") does not match its shape");
            }
            adam.get(name).restore(state.step(), manager.create(state.expAvg().data(), new Shape(shape)),
                    manager.create(state.expAvgSq().data(), new Shape(shape)));
        });
    }

    /**
     * One DINO iteration over {@code batch} (every sample with the same view counts and sides); returns the loss
     * before the update.
     *
     * @throws IllegalArgumentException when the batch is empty, mixed, or its views do not fit the backbone
     * @throws IllegalStateException    when all iterations are done, or the loss is not finite (nothing is updated)
     */
    public float step(List<MultiCropSample> batch) {
        if (iteration >= totalIterations) {
            throw new IllegalStateException("all " + totalIterations + " iterations are done");
        }
        checkBatch(batch);
        // PyTorch's grad mode is per thread and on by default: DJL switches it off only on the thread that started
        // the engine, and its GradientCollector restores what it found. Off here, on whatever thread drives the
        // trainer (a job's worker), or the in-place optimizer update is refused on a leaf that requires grad.
        JniUtils.setGradMode(false);
        int b = batch.size();
        int epoch = epoch();
        double lr = lrSchedule.at(iteration);
        double wd = wdSchedule.at(iteration);
        double momentum = momentumSchedule.at(iteration);
        MultiCropSample first = batch.get(0);
        SplittableRandom random = new SplittableRandom(seed + 0x9E3779B97F4A7C15L * (iteration + 1L));
        float value;
        try (NDManager step = manager.newSubManager()) {
            NDArray globals = views(step, batch, true);
            NDArray locals = first.locals().isEmpty() ? null : views(step, batch, false);
            NDArray teacherOut = teacherHead.forward(
                    teacherBackbone.forwardTraining(globals, VisionTransformer.DropPath.NONE));
            try (GradientCollector collector = Engine.getEngine("PyTorch").newGradientCollector()) {
                VisionTransformer.DropPath dropPath = dropPath(random, b);
                NDArray features = studentBackbone.forwardTraining(globals, dropPath);
                if (locals != null) {
                    features = NDArrays.concat(new NDList(features,
                            studentBackbone.forwardTraining(locals, dropPath)), 0);
                }
                NDArray lossArray = loss.loss(studentHead.forward(features), teacherOut, b, epoch);
                value = lossArray.getFloat();
                if (!Float.isFinite(value)) {
                    throw new IllegalStateException("DINO loss is " + value + " at iteration " + iteration
                            + "; nothing was updated");
                }
                collector.backward(lossArray);
            }
            update(epoch, lr, wd);
            loss.updateCenter(teacherOut);
            updateTeacher(momentum);
        }
        lastLr = lr;
        lastWd = wd;
        iteration++;
        return value;
    }

    private void update(int epoch, double lr, double wd) {
        boolean lastLayerFrozen = epoch < hp.freezeLastLayer();
        for (int i = 0; i < optimised.size(); i++) {
            String name = optimised.get(i);
            NDArray weight = studentParameters.get(name).getArray();
            try (NDArray grad = weight.getGradient()) {
                if (!(lastLayerFrozen && name.contains("last_layer"))) {
                    clip(grad);
                    adam.get(name).update(weight, grad, lr, i < regularisedCount ? wd : 0, manager);
                }
                grad.muli(0);
            }
        }
    }

    /** DINO's {@code clip_gradients}: each parameter's gradient scaled down to norm {@code clipGrad} if above it. */
    private void clip(NDArray grad) {
        if (hp.clipGrad() <= 0) {
            return;
        }
        try (NDArray norm = grad.norm();
             NDArray coef = norm.add(1e-6f).pow(-1f).muli((float) hp.clipGrad()).minimum(1f)) {
            grad.muli(coef);
        }
    }

    private void updateTeacher(double momentum) {
        float m = (float) momentum;
        teacherParameters.forEach((name, t) -> {
            try (NDArray scaled = studentParameters.get(name).getArray().mul(1 - m)) {
                t.getArray().muli(m).addi(scaled);
            }
        });
    }

    /** Per-sample stochastic depth with DINO's rates {@code linspace(0, dropPathRate, depth)}. */
    private VisionTransformer.DropPath dropPath(SplittableRandom random, int b) {
        double rate = hp.dropPathRate();
        int depth = studentBackbone.depth();
        return (block, branch, batch) -> {
            double p = depth == 1 ? 0 : rate * block / (depth - 1);
            if (p == 0) {
                return null;
            }
            double keep = 1 - p;
            float[] scales = new float[batch];
            for (int i = 0; i < batch; i++) {
                scales[i] = Math.floor(keep + random.nextDouble()) > 0 ? (float) (1 / keep) : 0f;
            }
            return scales;
        };
    }

    /** The global (or local) views of the batch, view-major: {@code [views * B, C, side, side]}. */
    private static NDArray views(NDManager step, List<MultiCropSample> batch, boolean global) {
        MultiCropSample first = batch.get(0);
        int count = global ? first.globals().size() : first.locals().size();
        int side = global ? first.globalSide() : first.localSide();
        int size = first.channels() * side * side;
        float[] data = new float[Math.multiplyExact(Math.multiplyExact(count, batch.size()), size)];
        int offset = 0;
        for (int v = 0; v < count; v++) {
            for (MultiCropSample s : batch) {
                System.arraycopy((global ? s.globals() : s.locals()).get(v), 0, data, offset, size);
                offset += size;
            }
        }
        return step.create(data, new Shape((long) count * batch.size(), first.channels(), side, side));
    }

    private void checkBatch(List<MultiCropSample> batch) {
        if (batch == null || batch.isEmpty()) {
            throw new IllegalArgumentException("a DINO step needs at least one sample");
        }
        MultiCropSample first = batch.get(0);
        int channels = studentBackbone.inDim();
        if (first.channels() != channels) {
            throw new IllegalArgumentException("views have " + first.channels() + " channels, the " + stage
                    + " backbone takes " + channels);
        }
        if (stage == Stage.VIT256) {
            int patch = (int) studentBackbone.parameterShapes().get("patch_embed.proj.weight")[2];
            if (first.globalSide() % patch != 0 || (!first.locals().isEmpty() && first.localSide() % patch != 0)) {
                throw new IllegalArgumentException("view sides " + first.globalSide() + " and " + first.localSide()
                        + " must be multiples of the patch size " + patch);
            }
        }
        for (MultiCropSample s : batch) {
            if (s.globals().size() != first.globals().size() || s.locals().size() != first.locals().size()
                    || s.globalSide() != first.globalSide() || s.channels() != first.channels()
                    || (!s.locals().isEmpty() && s.localSide() != first.localSide())) {
                throw new IllegalArgumentException("every sample of a batch needs the same views and sides");
            }
        }
    }

    /**
     * Writes the run's state in DINO's official layout to {@code pth} (a PyTorch zip: {@code student},
     * {@code teacher}, {@code optimizer}, {@code epoch}, {@code args}, {@code dino_loss}, plus {@code iteration}) and
     * the teacher backbone to {@code safetensors}; each file is written beside its target and renamed into place.
     */
    public void writeCheckpoint(Path pth, Path safetensors) {
        DinoCheckpoint.writeSafetensors(safetensors, teacherBackbone(), stage, iteration);
        Map<Integer, DinoCheckpoint.MomentState> state = new LinkedHashMap<>();
        for (int i = 0; i < optimised.size(); i++) {
            AdamW a = adam.get(optimised.get(i));
            if (a.hasState()) {
                long[] shape = a.expAvg().getShape().getShape();
                state.put(i, new DinoCheckpoint.MomentState(a.step(), new Tensor(shape, a.expAvg().toFloatArray()),
                        new Tensor(shape, a.expAvgSq().toFloatArray())));
            }
        }
        StateDict student = join(studentBackbone.toStateDict(), studentHead.toStateDict());
        StateDict teacher = join(teacherBackbone.toStateDict(), teacherHead.toStateDict());
        DinoCheckpoint.write(pth, new DinoCheckpoint.Contents(stage, hp, itersPerEpoch, totalIterations, seed,
                iteration, student, teacher, state, loss.center()), regularisedCount, optimised.size(), lastLr, lastWd);
    }

    /** The teacher's backbone as a plain ViT state dict, as {@code CheckpointReader} and {@code RegionEncoder} load it. */
    public StateDict teacherBackbone() {
        return teacherBackbone.toStateDict();
    }

    /** Iterations done so far. */
    public int iteration() {
        return iteration;
    }

    /** The epoch the next iteration belongs to (0-based): {@code iteration / itersPerEpoch}. */
    public int epoch() {
        return iteration / itersPerEpoch;
    }

    public int totalIterations() {
        return totalIterations;
    }

    public int itersPerEpoch() {
        return itersPerEpoch;
    }

    public Stage stage() {
        return stage;
    }

    public DinoHyperParameters hyperParameters() {
        return hp;
    }

    /** The student, {@code backbone.*} and {@code head.*} (a test hook). */
    StateDict student() {
        return join(studentBackbone.toStateDict(), studentHead.toStateDict());
    }

    /** The teacher, {@code backbone.*} and {@code head.*} (a test hook). */
    StateDict teacher() {
        return join(teacherBackbone.toStateDict(), teacherHead.toStateDict());
    }

    float[] center() {
        return loss.center();
    }

    CosineSchedule lrSchedule() {
        return lrSchedule;
    }

    CosineSchedule wdSchedule() {
        return wdSchedule;
    }

    CosineSchedule momentumSchedule() {
        return momentumSchedule;
    }

    private static boolean isRegularised(String name, Parameter p) {
        // DINO's get_params_groups: biases and 1-D parameters (norms) get no weight decay
        return !name.endsWith(".bias") && p.getArray().getShape().dimension() > 1;
    }

    private static VisionTransformer backboneFor(Stage stage, StateDict weights) {
        VisionTransformer vit = VisionTransformer.describedBy(weights, HEADS);
        VisionTransformer.Stem expected = stage == Stage.VIT256 ? VisionTransformer.Stem.PATCH
                : VisionTransformer.Stem.PHI;
        if (vit.stem() != expected) {
            throw new IllegalArgumentException("stage " + stage + " trains a " + stage.arch()
                    + ", but the initial weights are a " + (vit.stem() == VisionTransformer.Stem.PATCH
                    ? "ViT-256 (patch embedding)" : "ViT-4K (phi over token grids)"));
        }
        return vit;
    }

    private static Map<String, Parameter> prefixed(VisionTransformer backbone, DinoHead head) {
        Map<String, Parameter> out = new LinkedHashMap<>();
        backbone.namedParameters().forEach((k, v) -> out.put("backbone." + k, v));
        head.namedParameters().forEach((k, v) -> out.put("head." + k, v));
        return out;
    }

    private static StateDict join(StateDict backbone, StateDict head) {
        Map<String, Tensor> out = new LinkedHashMap<>();
        backbone.asMap().forEach((k, v) -> out.put("backbone." + k, v));
        head.asMap().forEach((k, v) -> out.put("head." + k, v));
        return new StateDict(out);
    }

    @Override
    public void close() {
        adam.values().forEach(AdamW::close);
        loss.close();
        manager.close();
    }
}
