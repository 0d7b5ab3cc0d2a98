package dev.hipt.training;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.pytorch.jni.JniUtils;
import ai.djl.training.GradientCollector;
import ai.djl.training.optimizer.Optimizer;
import ai.djl.training.tracker.Tracker;
import dev.hipt.model.SlideAggregator;
import dev.hipt.model.StateDict;
import dev.hipt.model.Tensor;
import dev.hipt.model.VisionTransformer;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;

/**
 * Trains HIPT_LGP_FC ({@link SlideAggregator}) on labelled slides' stored cls256 grids with DJL autograd: batch of
 * one slide, the loss divided by the accumulation steps and the gradients summed over that many slides before one
 * AdamW step, as HIPT's training loop does; a seeded stratified validation split; early stopping on the validation
 * loss, keeping the weights of the best epoch. The {@code local_vit} starts from the given ViT-4K, frozen or not.
 * The seed and {@link #TRAINING_THREADS} libtorch threads make the head the same on every run.
 */
final class HeadTrainer {

    /** libtorch's autograd in DJL allows one collecting GradientCollector per process at a time. */
    private static final ReentrantLock GRADIENTS = new ReentrantLock();
    private static final int FEATURES = 384;
    private static final String LOCAL_VIT = "local_vit.";
    /**
     * libtorch's intra-op threads while training. Its parallel reductions sum in an order that depends on the thread
     * count, and AdamW amplifies the last-bit differences into another head, so a seed alone would not fix the result
     * across machines; one thread does (for one libtorch build on one CPU instruction set).
     */
    static final int TRAINING_THREADS = 1;

    /** One epoch as the job's loss history shows it. */
    record EpochRecord(int epoch, double trainLoss, double validationLoss, Map<String, Object> metrics) {
    }

    /**
     * The outcome.
     *
     * @param weights  the HIPT_LGP_FC state dict of the best epoch
     * @param metrics  the best epoch's validation metrics, plus split sizes and the best epoch
     * @param timeBins survival: the 5 bin edges in months; empty for subtype
     */
    record TrainedHead(StateDict weights, List<EpochRecord> history, Map<String, Object> metrics, int bestEpoch,
                       boolean stoppedEarly, List<Double> timeBins) {
    }

    /** Thrown between two slides once {@code cancelled} says so. */
    static final class Cancelled extends RuntimeException {
        Cancelled() {
            super("training cancelled");
        }
    }

    private HeadTrainer() {
    }

    /**
     * @param task     subtype or survival
     * @param samples  the labelled slides; subtype labels are class indices below {@code classes.size()}
     * @param classes  subtype: class names in logit order; survival: ignored (4 bins)
     * @param vit4k    the ViT-4K weights the {@code local_vit} starts from (ViT-4K parameter names)
     * @param onEpoch  called after each epoch
     * @param cancelled polled between slides
     * @throws TrainingFailure when the labels cannot be split or binned
     */
    static TrainedHead train(HeadTask task, List<TrainingSample> samples, List<String> classes, StateDict vit4k,
                             TrainingOptions options, Consumer<EpochRecord> onEpoch, BooleanSupplier cancelled) {
        Labels labels = labels(task, samples, classes);
        StratifiedSplit split = StratifiedSplit.of(labels.strata, options.validationFraction(), options.seed(),
                labels.strataNames, task == HeadTask.SUBTYPE ? "class" : "group");
        Engine engine = Engine.getEngine("PyTorch");
        int threads = JniUtils.getNumThreads();
        JniUtils.setNumThreads(TRAINING_THREADS);
        try {
            return train(engine, task, samples, labels, split, vit4k, options, onEpoch, cancelled);
        } finally {
            JniUtils.setNumThreads(threads);
        }
    }

    private static TrainedHead train(Engine engine, HeadTask task, List<TrainingSample> samples, Labels labels,
                                     StratifiedSplit split, StateDict vit4k, TrainingOptions options,
                                     Consumer<EpochRecord> onEpoch, BooleanSupplier cancelled) {
        try (NDManager manager = NDManager.newBaseManager(Device.cpu(), "PyTorch")) {
            SlideAggregator head = new SlideAggregator(VisionTransformer.describedBy(vit4k, 6), 192, 2, 3,
                    labels.outputs);
            head.load(initialWeights(head, vit4k, options.seed()), manager);
            head.freeze(false);
            Map<String, Parameter> trainable = new LinkedHashMap<>();
            head.namedParameters().forEach((name, p) -> {
                if (options.freezeVit4k() && name.startsWith(LOCAL_VIT)) {
                    p.freeze(true);
                } else {
                    trainable.put(name, p);
                }
            });
            Optimizer adamW = Optimizer.adamW()
                    .optLearningRateTracker(Tracker.fixed((float) options.learningRate()))
                    .optWeightDecays((float) options.weightDecay())
                    .build();

            List<EpochRecord> history = new ArrayList<>();
            double best = Double.POSITIVE_INFINITY;
            StateDict bestWeights = head.toStateDict();
            Map<String, Object> bestMetrics = Map.of();
            int bestEpoch = 0;
            int sinceBest = 0;
            boolean stoppedEarly = false;
            Random shuffle = new Random(options.seed());
            for (int epoch = 1; epoch <= options.epochs(); epoch++) {
                List<Integer> order = new ArrayList<>(split.train());
                Collections.shuffle(order, shuffle);
                double trainLoss = 0;
                for (int i = 0; i < order.size(); i++) {
                    if (cancelled.getAsBoolean()) {
                        throw new Cancelled();
                    }
                    trainLoss += backward(engine, head, manager, task, samples.get(order.get(i)),
                            labels.targets[order.get(i)], options.accumulationSteps());
                    if ((i + 1) % options.accumulationSteps() == 0 || i == order.size() - 1) {
                        step(adamW, trainable);
                    }
                }
                Evaluation eval = evaluate(head, manager, task, samples, labels, split.validation());
                EpochRecord record = new EpochRecord(epoch, trainLoss / order.size(), eval.loss, eval.metrics);
                history.add(record);
                if (eval.loss < best) {
                    best = eval.loss;
                    bestWeights = head.toStateDict();
                    bestMetrics = eval.metrics;
                    bestEpoch = epoch;
                    sinceBest = 0;
                } else {
                    sinceBest++;
                }
                onEpoch.accept(record);
                if (sinceBest >= options.patience() && epoch < options.epochs()) {
                    stoppedEarly = true;
                    break;
                }
            }
            Map<String, Object> metrics = new LinkedHashMap<>(bestMetrics);
            metrics.put("validationLoss", best);
            metrics.put("bestEpoch", bestEpoch);
            metrics.put("epochsRun", history.size());
            metrics.put("trainingSlides", split.train().size());
            metrics.put("validationSlides", split.validation().size());
            return new TrainedHead(bestWeights, List.copyOf(history), Collections.unmodifiableMap(metrics), bestEpoch,
                    stoppedEarly, labels.timeBins);
        }
    }

    /** The reference-style random weights with {@code local_vit.*} replaced by the ViT-4K's. */
    private static StateDict initialWeights(SlideAggregator head, StateDict vit4k, long seed) {
        Map<String, Tensor> out = new LinkedHashMap<>(head.randomStateDict(seed).asMap());
        out.replaceAll((name, t) -> name.startsWith(LOCAL_VIT)
                ? vit4k.get(name.substring(LOCAL_VIT.length()), t.shape()) : t);
        return new StateDict(out);
    }

    private static double backward(Engine engine, SlideAggregator head, NDManager manager, HeadTask task,
                                   TrainingSample sample, int target, int accumulation) {
        GRADIENTS.lock();
        try (NDManager step = manager.newSubManager()) {
            try (GradientCollector collector = engine.newGradientCollector()) {
                NDArray logits = head.forward(input(step, sample)).get(0);
                NDArray loss = loss(task, logits, target, sample.censored());
                double value = loss.getFloat();
                collector.backward(loss.div(accumulation));
                return value;
            }
        } finally {
            GRADIENTS.unlock();
        }
    }

    private static void step(Optimizer optimizer, Map<String, Parameter> trainable) {
        for (Parameter p : trainable.values()) {
            NDArray weight = p.getArray();
            try (NDArray grad = weight.getGradient()) {
                optimizer.update(p.getId(), weight, grad);
                grad.muli(0);
            }
        }
    }

    private static NDArray loss(HeadTask task, NDArray logits, int target, boolean censored) {
        return task == HeadTask.SUBTYPE
                ? HeadLosses.crossEntropy(logits, target)
                : HeadLosses.survivalNll(logits, target, censored, 0);
    }

    private static NDArray input(NDManager manager, TrainingSample sample) {
        int tokens = sample.x256().length / sample.regions() / FEATURES;
        return manager.create(sample.x256(), new Shape(sample.regions(), tokens, FEATURES));
    }

    private record Evaluation(double loss, Map<String, Object> metrics) {
    }

    private static Evaluation evaluate(SlideAggregator head, NDManager manager, HeadTask task,
                                       List<TrainingSample> samples, Labels labels, List<Integer> validation) {
        int n = validation.size();
        double loss = 0;
        double[][] outputs = new double[n][];
        for (int v = 0; v < n; v++) {
            TrainingSample s = samples.get(validation.get(v));
            try (NDManager call = manager.newSubManager()) {
                NDArray logits = head.forward(input(call, s)).get(0);
                loss += loss(task, logits, labels.targets[validation.get(v)], s.censored()).getFloat();
                float[] l = logits.toFloatArray();
                outputs[v] = new double[l.length];
                for (int k = 0; k < l.length; k++) {
                    outputs[v][k] = l[k];
                }
            }
        }
        Map<String, Object> metrics = new LinkedHashMap<>();
        if (task == HeadTask.SUBTYPE) {
            int[] y = new int[n];
            double[][] p = new double[n][];
            for (int v = 0; v < n; v++) {
                y[v] = labels.targets[validation.get(v)];
                p[v] = softmax(outputs[v]);
            }
            metrics.put("accuracy", HeadMetrics.accuracy(y, p));
            metrics.put("balancedAccuracy", HeadMetrics.balancedAccuracy(y, p, labels.outputs));
            metrics.put("auc", finiteOrNull(HeadMetrics.auc(y, p, labels.outputs)));
        } else {
            double[] months = new double[n];
            boolean[] censored = new boolean[n];
            double[] risk = new double[n];
            for (int v = 0; v < n; v++) {
                TrainingSample s = samples.get(validation.get(v));
                months[v] = s.months();
                censored[v] = s.censored();
                risk[v] = risk(outputs[v]);
            }
            metrics.put("cIndex", finiteOrNull(HeadMetrics.concordanceIndex(months, censored, risk)));
        }
        return new Evaluation(loss / n, metrics);
    }

    /** HIPT's risk: {@code -sum_k S_k} with hazards = sigmoid(logits). */
    static double risk(double[] logits) {
        double s = 1;
        double risk = 0;
        for (double l : logits) {
            s *= 1 - 1 / (1 + Math.exp(-l));
            risk -= s;
        }
        return risk;
    }

    private static double[] softmax(double[] logits) {
        double max = Double.NEGATIVE_INFINITY;
        for (double l : logits) {
            max = Math.max(max, l);
        }
        double sum = 0;
        double[] p = new double[logits.length];
        for (int i = 0; i < p.length; i++) {
            p[i] = Math.exp(logits[i] - max);
            sum += p[i];
        }
        for (int i = 0; i < p.length; i++) {
            p[i] /= sum;
        }
        return p;
    }

    private static Double finiteOrNull(double v) {
        return Double.isFinite(v) ? v : null;
    }

    /** What the trainer fits (targets), what it stratifies by, and the number of outputs. */
    private record Labels(int[] targets, int[] strata, List<String> strataNames, int outputs, List<Double> timeBins) {
    }

    private static Labels labels(HeadTask task, List<TrainingSample> samples, List<String> classes) {
        int n = samples.size();
        int[] targets = new int[n];
        int[] strata = new int[n];
        if (task == HeadTask.SUBTYPE) {
            if (classes.size() < 2) {
                throw new TrainingFailure(TrainingFailure.SINGLE_CLASS, "a subtype head needs at least 2 classes;"
                        + " the label set has " + classes.size() + ": " + classes);
            }
            for (int i = 0; i < n; i++) {
                targets[i] = samples.get(i).label();
                strata[i] = targets[i];
            }
            return new Labels(targets, strata, classes, classes.size(), List.of());
        }
        double[] months = new double[n];
        boolean[] censored = new boolean[n];
        for (int i = 0; i < n; i++) {
            months[i] = samples.get(i).months();
            censored[i] = samples.get(i).censored();
        }
        SurvivalBins bins = SurvivalBins.fromTimes(months, censored);
        for (int i = 0; i < n; i++) {
            targets[i] = bins.bin(months[i]);
            strata[i] = censored[i] ? 1 : 0;
        }
        return new Labels(targets, strata, List.of("event observed", "censored"), SurvivalBins.BINS, bins.edges());
    }
}
