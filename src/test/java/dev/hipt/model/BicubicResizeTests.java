package dev.hipt.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import org.junit.jupiter.api.Test;

class BicubicResizeTests {

    @Test
    void coefficientsAtAnIntegerPositionPickThatSample() {
        assertThat(BicubicResize.coefficients(0)).containsExactly(0, 1, 0, 0);
    }

    @Test
    void coefficientsSumToOne() {
        for (double t = 0; t < 1; t += 0.0625) {
            double[] c = BicubicResize.coefficients(t);
            assertThat(c[0] + c[1] + c[2] + c[3]).as("t=%s", t).isCloseTo(1.0, within(1e-12));
        }
    }

    /**
     * 14 -> 16 with scale factor 16.1/14: output 0 reads source (0.5) * 14 / 16.1 - 0.5 = -0.06522 (the given scale,
     * not 14/16), floor -1, t = 0.93478; taps -2, -1, 0 clamp to 0 and tap 1 stays. Output 7 reads 6.02174.
     * Values worked out by hand from the A = -0.75 kernel.
     */
    @Test
    void weightsMatchHandComputedPyTorchCoefficients() {
        double[][] w = BicubicResize.weights1d(14, 16, 16.1 / 14);

        assertThat(w[0][0]).isCloseTo(1.0427411235308623, within(1e-12));
        assertThat(w[0][1]).isCloseTo(-0.0427411235308619, within(1e-12));
        assertThat(w[0][2]).isZero();
        assertThat(w[7][5]).isCloseTo(-0.015603168406345347, within(1e-12));
        assertThat(w[7][6]).isCloseTo(0.9989495150817786, within(1e-12));
        assertThat(w[7][7]).isCloseTo(0.017000390400262688, within(1e-12));
        assertThat(w[7][8]).isCloseTo(-0.0003467370756955468, within(1e-12));
    }

    @Test
    void everyOutputRowIsAPartitionOfUnity() {
        for (int g : new int[] {1, 4, 16, 20}) {
            float[] m = BicubicResize.matrix(14, g, g);
            for (int row = 0; row < g * g; row++) {
                double sum = 0;
                for (int k = 0; k < 196; k++) {
                    sum += m[row * 196 + k];
                }
                assertThat(sum).as("g=%d row %d", g, row).isCloseTo(1.0, within(1e-5));
            }
        }
    }

    @Test
    void matrixIsTheOuterProductOfRowAndColumnWeightsInRowMajorOrder() {
        float[] m = BicubicResize.matrix(14, 4, 16);
        double[][] wr = BicubicResize.weights1d(14, 4, 4.1 / 14);
        double[][] wc = BicubicResize.weights1d(14, 16, 16.1 / 14);

        int r = 2;
        int c = 9;
        for (int i = 0; i < 14; i++) {
            for (int j = 0; j < 14; j++) {
                assertThat(m[(r * 16 + c) * 196 + i * 14 + j]).isCloseTo((float) (wr[r][i] * wc[c][j]), within(1e-7f));
            }
        }
    }

    @Test
    void the14GridKeepsThePositionEmbeddingsAndOtherGridsResizeThem() {
        VisionTransformer vit = VisionTransformer.vit4k(1);
        try (NDManager manager = NDManager.newBaseManager("PyTorch")) {
            vit.load(vit.randomStateDict(5), manager);
            float[] stored = vit.toStateDict().get("pos_embed").data();

            NDArray same = vit.positions(14, 14);
            NDArray resized = vit.positions(16, 16);

            assertThat(same.toFloatArray()).containsExactly(stored);
            assertThat(resized.getShape().getShape()).containsExactly(1, 257, 192);
            float[] r = resized.toFloatArray();
            for (int d = 0; d < 192; d++) {
                assertThat(r[d]).as("CLS position kept").isEqualTo(stored[d]);
            }
        }
    }
}
