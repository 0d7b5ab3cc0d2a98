package dev.hipt.training.dino;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.Shape;

/**
 * DINO's loss ({@code DINOLoss}): the teacher's outputs are centered and sharpened,
 * {@code softmax((t - center) / teacherTemp)}, the student's are {@code log_softmax(s / studentTemp)}, and the loss is
 * the mean over every (teacher global view, student view) pair with different views of the batch-mean cross-entropy
 * {@code -sum q log p}. The center is an EMA of the teacher's batch-mean output, updated after each step.
 *
 * <p>Outputs are laid out view-major, as DINO's {@code MultiCropWrapper} concatenates them: rows {@code [v * B,
 * (v + 1) * B)} hold view {@code v} of every sample; the teacher's rows are the global views, the student's all views
 * with the global ones first.
 */
final class DinoLoss implements AutoCloseable {

    private final double studentTemp;
    private final double centerMomentum;
    private final double warmupTeacherTemp;
    private final double teacherTemp;
    private final int warmupTeacherTempEpochs;
    private NDArray center;

    DinoLoss(DinoHyperParameters hp, NDManager manager) {
        this.studentTemp = hp.studentTemp();
        this.centerMomentum = hp.centerMomentum();
        this.warmupTeacherTemp = hp.warmupTeacherTemp();
        this.teacherTemp = hp.teacherTemp();
        this.warmupTeacherTempEpochs = hp.warmupTeacherTempEpochs();
        center = manager.zeros(new Shape(1, hp.outDim()));
        NDScope.unregister(center);
    }

    /**
     * The teacher temperature of {@code epoch}: {@code np.linspace(warmup, final, warmupEpochs)[epoch]} during the
     * warmup, then the final value.
     */
    double teacherTemp(int epoch) {
        if (epoch >= warmupTeacherTempEpochs) {
            return teacherTemp;
        }
        if (warmupTeacherTempEpochs == 1) {
            return warmupTeacherTemp;
        }
        return warmupTeacherTemp + (teacherTemp - warmupTeacherTemp) * epoch / (warmupTeacherTempEpochs - 1);
    }

    /**
     * The loss (a scalar) of student outputs {@code [views * B, out]} against teacher outputs {@code [globals * B,
     * out]}; arrays are made in {@code student}'s manager. Does not move the center.
     */
    NDArray loss(NDArray student, NDArray teacher, int batch, int epoch) {
        long studentViews = student.getShape().get(0) / batch;
        long teacherViews = teacher.getShape().get(0) / batch;
        NDArray logP = student.div((float) studentTemp).logSoftmax(-1);
        NDArray q = teacher.sub(center).div((float) teacherTemp(epoch)).softmax(-1);
        NDArray total = null;
        int terms = 0;
        for (long iq = 0; iq < teacherViews; iq++) {
            NDArray qv = q.get(rows(iq, batch));
            for (long v = 0; v < studentViews; v++) {
                if (v == iq) {
                    continue;
                }
                NDArray term = qv.mul(logP.get(rows(v, batch))).sum(new int[] {-1}).neg().mean();
                total = total == null ? term : total.add(term);
                terms++;
            }
        }
        if (total == null) {
            throw new IllegalArgumentException("DINO needs two views or more, got " + studentViews);
        }
        return total.div(terms);
    }

    private static String rows(long view, int batch) {
        return (view * batch) + ":" + ((view + 1) * batch);
    }

    /** {@code center = center * m + mean(teacher rows) * (1 - m)}. */
    void updateCenter(NDArray teacher) {
        float m = (float) centerMomentum;
        try (NDArray batchCenter = teacher.sum(new int[] {0}, true).div(teacher.getShape().get(0));
             NDArray scaledBatch = batchCenter.mul(1 - m);
             NDArray scaledCenter = center.mul(m)) {
            NDArray next = scaledCenter.add(scaledBatch);
            NDScope.unregister(next);
            center.close();
            center = next;
        }
    }

    /** The center {@code [1, out]} as stored in a checkpoint's {@code dino_loss}. */
    float[] center() {
        return center.toFloatArray();
    }

    void setCenter(float[] values) {
        NDArray next = center.getManager().create(values, center.getShape());
        NDScope.unregister(next);
        center.close();
        center = next;
    }

    @Override
    public void close() {
        center.close();
    }
}
