package dev.hipt.training.dino;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The hyper-parameters of one DINO pretraining run. {@link #defaults()} are DINO's and HIPT's ({@code main_dino.py},
 * {@code main_dino4k.py}); the names in brackets are those arguments, as they appear in a checkpoint's {@code args}.
 *
 * @param outDim                  width of the head's output, the number of prototypes [{@code out_dim}] (65536)
 * @param hiddenDim               hidden width of the head's 3-layer MLP (2048)
 * @param bottleneckDim           width of the L2-normalised bottleneck before the last layer (256)
 * @param warmupTeacherTemp       teacher temperature at the start of its warmup [{@code warmup_teacher_temp}] (0.04)
 * @param teacherTemp             teacher temperature after its warmup [{@code teacher_temp}] (0.04)
 * @param warmupTeacherTempEpochs epochs of linear teacher-temperature warmup [{@code warmup_teacher_temp_epochs}] (0)
 * @param studentTemp             student temperature (0.1)
 * @param centerMomentum          EMA momentum of the teacher-output center (0.9)
 * @param momentumTeacher         teacher EMA momentum at the start, rising to 1 on a cosine [{@code momentum_teacher}]
 *                                (0.996)
 * @param lr                      peak AdamW learning rate for a batch of 256, scaled linearly with {@link #batchSize}
 *                                [{@code lr}] (5e-4)
 * @param minLr                   learning rate at the end of the cosine decay [{@code min_lr}] (1e-6)
 * @param warmupEpochs            epochs of linear learning-rate warmup from 0 [{@code warmup_epochs}] (10; cut to the
 *                                run's length when the run is shorter)
 * @param weightDecay             weight decay at the start, rising on a cosine [{@code weight_decay}] (0.04)
 * @param weightDecayEnd          weight decay at the end [{@code weight_decay_end}] (0.4)
 * @param clipGrad                per-parameter gradient-norm clip, 0 for none [{@code clip_grad}] (3.0)
 * @param freezeLastLayer         epochs during which the head's last layer is not updated [{@code freeze_last_layer}]
 *                                (1)
 * @param dropPathRate            stochastic-depth rate of the student's last block, linear from 0 over the blocks
 *                                [{@code drop_path_rate}] (0.1)
 * @param batchSize               samples per iteration [{@code batch_size_per_gpu}] (64)
 * @param localCrops              local views per sample [{@code local_crops_number}] (8)
 */
public record DinoHyperParameters(int outDim, int hiddenDim, int bottleneckDim, double warmupTeacherTemp,
                                  double teacherTemp, int warmupTeacherTempEpochs, double studentTemp,
                                  double centerMomentum, double momentumTeacher, double lr, double minLr,
                                  int warmupEpochs, double weightDecay, double weightDecayEnd, double clipGrad,
                                  int freezeLastLayer, double dropPathRate, int batchSize, int localCrops) {

    /** Largest accepted {@link #outDim}: four times DINO's 65536. */
    public static final int MAX_OUT_DIM = 1 << 18;

    /**
     * @throws IllegalArgumentException naming the first field out of its range
     */
    public DinoHyperParameters {
        between("outDim", outDim, 1, MAX_OUT_DIM);
        between("hiddenDim", hiddenDim, 1, 1 << 16);
        between("bottleneckDim", bottleneckDim, 1, 1 << 16);
        positiveAtMost("warmupTeacherTemp", warmupTeacherTemp, 1);
        positiveAtMost("teacherTemp", teacherTemp, 1);
        between("warmupTeacherTempEpochs", warmupTeacherTempEpochs, 0, Integer.MAX_VALUE);
        positiveAtMost("studentTemp", studentTemp, 1);
        unit("centerMomentum", centerMomentum);
        unit("momentumTeacher", momentumTeacher);
        positiveAtMost("lr", lr, 1);
        if (!(minLr >= 0 && minLr <= 1)) {
            throw new IllegalArgumentException("minLr must be in [0, 1], got " + minLr);
        }
        between("warmupEpochs", warmupEpochs, 0, Integer.MAX_VALUE);
        nonNegative("weightDecay", weightDecay);
        nonNegative("weightDecayEnd", weightDecayEnd);
        nonNegative("clipGrad", clipGrad);
        between("freezeLastLayer", freezeLastLayer, 0, Integer.MAX_VALUE);
        if (!(dropPathRate >= 0 && dropPathRate < 1)) {
            throw new IllegalArgumentException("dropPathRate must be in [0, 1), got " + dropPathRate);
        }
        between("batchSize", batchSize, 1, 1 << 16);
        between("localCrops", localCrops, 0, 64);
    }

    /** DINO's and HIPT's defaults, listed with the fields. */
    public static DinoHyperParameters defaults() {
        return new DinoHyperParameters(65536, 2048, 256, 0.04, 0.04, 0, 0.1, 0.9, 0.996, 5e-4, 1e-6, 10, 0.04, 0.4,
                3.0, 1, 0.1, 64, 8);
    }

    /** A builder starting from {@link #defaults()}. */
    public static Builder builder() {
        return new Builder(defaults());
    }

    /** A builder starting from these values. */
    public Builder toBuilder() {
        return new Builder(this);
    }

    /** The peak learning rate of this batch size: {@code lr * batchSize / 256} (DINO's linear scaling rule). */
    public double scaledLr() {
        return lr * batchSize / 256.0;
    }

    /** The values under the names of DINO's arguments (and this service's for the rest), for a checkpoint. */
    Map<String, Object> toArgs() {
        Map<String, Object> args = new LinkedHashMap<>();
        args.put("out_dim", outDim);
        args.put("norm_last_layer", true);
        args.put("momentum_teacher", momentumTeacher);
        args.put("use_bn_in_head", false);
        args.put("warmup_teacher_temp", warmupTeacherTemp);
        args.put("teacher_temp", teacherTemp);
        args.put("warmup_teacher_temp_epochs", warmupTeacherTempEpochs);
        args.put("use_fp16", false);
        args.put("weight_decay", weightDecay);
        args.put("weight_decay_end", weightDecayEnd);
        args.put("clip_grad", clipGrad);
        args.put("batch_size_per_gpu", batchSize);
        args.put("freeze_last_layer", freezeLastLayer);
        args.put("lr", lr);
        args.put("warmup_epochs", warmupEpochs);
        args.put("min_lr", minLr);
        args.put("optimizer", "adamw");
        args.put("drop_path_rate", dropPathRate);
        args.put("local_crops_number", localCrops);
        args.put("hidden_dim", hiddenDim);
        args.put("bottleneck_dim", bottleneckDim);
        args.put("student_temp", studentTemp);
        args.put("center_momentum", centerMomentum);
        return args;
    }

    /** The inverse of {@link #toArgs()}. */
    static DinoHyperParameters fromArgs(Map<?, ?> args) {
        return new DinoHyperParameters(integer(args, "out_dim"), integer(args, "hidden_dim"),
                integer(args, "bottleneck_dim"), real(args, "warmup_teacher_temp"), real(args, "teacher_temp"),
                integer(args, "warmup_teacher_temp_epochs"), real(args, "student_temp"),
                real(args, "center_momentum"), real(args, "momentum_teacher"), real(args, "lr"),
                real(args, "min_lr"), integer(args, "warmup_epochs"), real(args, "weight_decay"),
                real(args, "weight_decay_end"), real(args, "clip_grad"), integer(args, "freeze_last_layer"),
                real(args, "drop_path_rate"), integer(args, "batch_size_per_gpu"), integer(args, "local_crops_number"));
    }

    static int integer(Map<?, ?> args, String name) {
        if (!(args.get(name) instanceof Number n) || n instanceof Double || n instanceof Float) {
            throw new IllegalArgumentException("checkpoint args lack the integer '" + name + "'");
        }
        return Math.toIntExact(n.longValue());
    }

    static double real(Map<?, ?> args, String name) {
        if (!(args.get(name) instanceof Number n)) {
            throw new IllegalArgumentException("checkpoint args lack the number '" + name + "'");
        }
        return n.doubleValue();
    }

    private static void between(String field, int value, int min, int max) {
        if (value < min || value > max) {
            throw new IllegalArgumentException(field + " must be in [" + min + ", " + max + "], got " + value);
        }
    }

    private static void positiveAtMost(String field, double value, double max) {
        if (!(value > 0 && value <= max)) {
            throw new IllegalArgumentException(field + " must be in (0, " + max + "], got " + value);
        }
    }

    private static void unit(String field, double value) {
        if (!(value >= 0 && value <= 1)) {
            throw new IllegalArgumentException(field + " must be in [0, 1], got " + value);
        }
    }

    private static void nonNegative(String field, double value) {
        if (!(value >= 0 && Double.isFinite(value))) {
            throw new IllegalArgumentException(field + " must be a finite number >= 0, got " + value);
        }
    }

    /** Overrides some values; {@link #build()} validates them all. */
    public static final class Builder {
        private int outDim;
        private int hiddenDim;
        private int bottleneckDim;
        private double warmupTeacherTemp;
        private double teacherTemp;
        private int warmupTeacherTempEpochs;
        private double studentTemp;
        private double centerMomentum;
        private double momentumTeacher;
        private double lr;
        private double minLr;
        private int warmupEpochs;
        private double weightDecay;
        private double weightDecayEnd;
        private double clipGrad;
        private int freezeLastLayer;
        private double dropPathRate;
        private int batchSize;
        private int localCrops;

        private Builder(DinoHyperParameters p) {
            outDim = p.outDim;
            hiddenDim = p.hiddenDim;
            bottleneckDim = p.bottleneckDim;
            warmupTeacherTemp = p.warmupTeacherTemp;
            teacherTemp = p.teacherTemp;
            warmupTeacherTempEpochs = p.warmupTeacherTempEpochs;
            studentTemp = p.studentTemp;
            centerMomentum = p.centerMomentum;
            momentumTeacher = p.momentumTeacher;
            lr = p.lr;
            minLr = p.minLr;
            warmupEpochs = p.warmupEpochs;
            weightDecay = p.weightDecay;
            weightDecayEnd = p.weightDecayEnd;
            clipGrad = p.clipGrad;
            freezeLastLayer = p.freezeLastLayer;
            dropPathRate = p.dropPathRate;
            batchSize = p.batchSize;
            localCrops = p.localCrops;
        }

        public Builder outDim(int v) {
            outDim = v;
            return this;
        }

        public Builder hiddenDim(int v) {
            hiddenDim = v;
            return this;
        }

        public Builder bottleneckDim(int v) {
            bottleneckDim = v;
            return this;
        }

        public Builder warmupTeacherTemp(double v) {
            warmupTeacherTemp = v;
            return this;
        }

        public Builder teacherTemp(double v) {
            teacherTemp = v;
            return this;
        }

        public Builder warmupTeacherTempEpochs(int v) {
            warmupTeacherTempEpochs = v;
            return this;
        }

        public Builder studentTemp(double v) {
            studentTemp = v;
            return this;
        }

        public Builder centerMomentum(double v) {
            centerMomentum = v;
            return this;
        }

        public Builder momentumTeacher(double v) {
            momentumTeacher = v;
            return this;
        }

        public Builder lr(double v) {
            lr = v;
            return this;
        }

        public Builder minLr(double v) {
            minLr = v;
            return this;
        }

        public Builder warmupEpochs(int v) {
            warmupEpochs = v;
            return this;
        }

        public Builder weightDecay(double v) {
            weightDecay = v;
            return this;
        }

        public Builder weightDecayEnd(double v) {
            weightDecayEnd = v;
            return this;
        }

        public Builder clipGrad(double v) {
            clipGrad = v;
            return this;
        }

        public Builder freezeLastLayer(int v) {
            freezeLastLayer = v;
            return this;
        }

        public Builder dropPathRate(double v) {
            dropPathRate = v;
            return this;
        }

        public Builder batchSize(int v) {
            batchSize = v;
            return this;
        }

        public Builder localCrops(int v) {
            localCrops = v;
            return this;
        }

        /** @throws IllegalArgumentException naming the first field out of its range */
        public DinoHyperParameters build() {
            return new DinoHyperParameters(outDim, hiddenDim, bottleneckDim, warmupTeacherTemp, teacherTemp,
                    warmupTeacherTempEpochs, studentTemp, centerMomentum, momentumTeacher, lr, minLr, warmupEpochs,
                    weightDecay, weightDecayEnd, clipGrad, freezeLastLayer, dropPathRate, batchSize, localCrops);
        }
    }
}
