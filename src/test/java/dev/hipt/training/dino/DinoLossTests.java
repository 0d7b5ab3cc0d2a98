package dev.hipt.training.dino;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import org.junit.jupiter.api.Test;

/** DINO's loss, center and teacher temperature against values computed by hand (in double precision). */
class DinoLossTests {

    private static final DinoHyperParameters HP = DinoToys.tiny().toBuilder().outDim(3).build();

    @Test
    void crossEntropyOverEveryTeacherGlobalAndOtherStudentViewPair() {
        // B = 2; teacher: 2 global views; student: those 2 + 1 local view; rows view-major
        float[][] teacher = {{1, 0, 0}, {0, 1, 0}, {0.5f, 0.5f, 0}, {0, 0, 1}};
        float[][] student = {{0.2f, 0.1f, 0}, {0, 0.3f, 0.1f}, {0.1f, 0, 0.2f}, {0.3f, 0.3f, 0}, {0, 0, 0.4f},
                {0.2f, 0.2f, 0.2f}};
        double expected = 0;
        int terms = 0;
        for (int iq = 0; iq < 2; iq++) {
            for (int v = 0; v < 3; v++) {
                if (v == iq) {
                    continue;
                }
                double batchMean = 0;
                for (int b = 0; b < 2; b++) {
                    double[] q = softmax(teacher[iq * 2 + b], 0.04);
                    double[] logP = logSoftmax(student[v * 2 + b], 0.1);
                    double ce = 0;
                    for (int k = 0; k < 3; k++) {
                        ce -= q[k] * logP[k];
                    }
                    batchMean += ce / 2;
                }
                expected += batchMean;
                terms++;
            }
        }
        expected /= terms;
        assertThat(terms).isEqualTo(4);

        try (NDManager m = NDManager.newBaseManager("PyTorch"); DinoLoss loss = new DinoLoss(HP, m)) {
            NDArray value = loss.loss(m.create(flat(student), new Shape(6, 3)), m.create(flat(teacher),
                    new Shape(4, 3)), 2, 0);
            assertThat((double) value.getFloat()).isCloseTo(expected, within(1e-4));
        }
    }

    @Test
    void centerIsAnEmaOfTheTeachersBatchMeanAndIsSubtractedBeforeSharpening() {
        try (NDManager m = NDManager.newBaseManager("PyTorch"); DinoLoss loss = new DinoLoss(HP, m)) {
            loss.updateCenter(m.create(new float[] {1, 2, 3, 3, 2, 1}, new Shape(2, 3)));
            // 0.9 * 0 + 0.1 * [2, 2, 2]
            assertThat(loss.center()).containsExactly(new float[] {0.2f, 0.2f, 0.2f}, within(1e-7f));
            loss.updateCenter(m.create(new float[] {4, 0, 0, 0, 0, 0}, new Shape(2, 3)));
            // 0.9 * 0.2 + 0.1 * [2, 0, 0]
            assertThat(loss.center()).containsExactly(new float[] {0.38f, 0.18f, 0.18f}, within(1e-6f));

            // the teacher's [0.38, 0.18 + ln 2 * 0.04, 0.18] becomes softmax([0, ln 2, 0]) = [1/4, 1/2, 1/4]
            float lnTwo = (float) (Math.log(2) * 0.04);
            NDArray teacher = m.create(new float[] {0.38f, 0.18f + lnTwo, 0.18f}, new Shape(1, 3));
            NDArray student = m.create(new float[] {0, 0, 0, 0, 0, 0}, new Shape(2, 3));
            // pairs (teacher 0, student 1): -sum q log(1/3) = ln 3
            assertThat((double) loss.loss(student, teacher, 1, 0).getFloat()).isCloseTo(Math.log(3), within(1e-5));
            NDArray peaked = m.create(new float[] {0, 0, 0, 0, 0.1f, 0}, new Shape(2, 3));
            double[] logP = logSoftmax(new float[] {0, 0.1f, 0}, 0.1);
            double ce = -(0.25 * logP[0] + 0.5 * logP[1] + 0.25 * logP[2]);
            assertThat((double) loss.loss(peaked, teacher, 1, 0).getFloat()).isCloseTo(ce, within(1e-5));
        }
    }

    @Test
    void teacherTemperatureWarmsUpLinearlyOverItsEpochsThenStays() {
        DinoHyperParameters hp = HP.toBuilder().warmupTeacherTemp(0.04).teacherTemp(0.07).warmupTeacherTempEpochs(4)
                .build();
        try (NDManager m = NDManager.newBaseManager("PyTorch"); DinoLoss loss = new DinoLoss(hp, m)) {
            // np.linspace(0.04, 0.07, 4) = [0.04, 0.05, 0.06, 0.07], then 0.07
            assertThat(loss.teacherTemp(0)).isCloseTo(0.04, within(1e-12));
            assertThat(loss.teacherTemp(1)).isCloseTo(0.05, within(1e-12));
            assertThat(loss.teacherTemp(3)).isCloseTo(0.07, within(1e-12));
            assertThat(loss.teacherTemp(10)).isCloseTo(0.07, within(1e-12));
        }
    }

    private static double[] softmax(float[] x, double temp) {
        double[] logP = logSoftmax(x, temp);
        double[] out = new double[x.length];
        for (int i = 0; i < x.length; i++) {
            out[i] = Math.exp(logP[i]);
        }
        return out;
    }

    private static double[] logSoftmax(float[] x, double temp) {
        double max = Double.NEGATIVE_INFINITY;
        for (float v : x) {
            max = Math.max(max, v / temp);
        }
        double sum = 0;
        for (float v : x) {
            sum += Math.exp(v / temp - max);
        }
        double[] out = new double[x.length];
        for (int i = 0; i < x.length; i++) {
            out[i] = x[i] / temp - max - Math.log(sum);
        }
        return out;
    }

    private static float[] flat(float[][] rows) {
        float[] out = new float[rows.length * rows[0].length];
        for (int r = 0; r < rows.length; r++) {
            System.arraycopy(rows[r], 0, out, r * rows[0].length, rows[0].length);
        }
        return out;
    }
}
