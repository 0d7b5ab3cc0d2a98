package dev.hipt.model;

/**
 * PyTorch's {@code interpolate(mode='bicubic', align_corners=False)} with an explicit {@code scale_factor}, written
 * as a linear map so that it is exact (computed in double precision) and differentiable as one matmul.
 *
 * <p>Output index {@code d} reads source coordinate {@code (d + 0.5) / scale - 0.5} (the <em>given</em> scale factor,
 * as PyTorch does, not {@code in / out}); the four taps use the cubic convolution kernel with {@code A = -0.75}, and
 * tap indices outside the source are clamped to its border.
 */
final class BicubicResize {

    static final double A = -0.75;

    private BicubicResize() {
    }

    /**
     * The 1-D weights {@code [out][in]} of resizing {@code in} samples by {@code scaleFactor} to {@code out} samples.
     */
    static double[][] weights1d(int in, int out, double scaleFactor) {
        double[][] w = new double[out][in];
        double srcPerDst = 1.0 / scaleFactor;
        for (int d = 0; d < out; d++) {
            double real = (d + 0.5) * srcPerDst - 0.5;
            int base = (int) Math.floor(real);
            double t = real - base;
            double[] c = coefficients(t);
            for (int tap = 0; tap < 4; tap++) {
                int src = Math.min(Math.max(base - 1 + tap, 0), in - 1);
                w[d][src] += c[tap];
            }
        }
        return w;
    }

    /** The four cubic-convolution coefficients for the taps at offsets -1, 0, 1, 2 from {@code floor(x)}. */
    static double[] coefficients(double t) {
        return new double[] {cubic2(t + 1), cubic1(t), cubic1(1 - t), cubic2(2 - t)};
    }

    /** Kernel for |x| <= 1. */
    private static double cubic1(double x) {
        return ((A + 2) * x - (A + 3)) * x * x + 1;
    }

    /** Kernel for 1 < |x| < 2. */
    private static double cubic2(double x) {
        return ((A * x - 5 * A) * x + 8 * A) * x - 4 * A;
    }

    /**
     * The matrix {@code W [rows*cols x src*src]} (row-major, float) that resizes a {@code src x src} grid of position
     * embeddings to {@code rows x cols} the way HIPT does: {@code scale_factor = ((rows + 0.1) / src, (cols + 0.1) /
     * src)}; output token {@code r * cols + c}, source token {@code i * src + j}.
     */
    static float[] matrix(int src, int rows, int cols) {
        double[][] wr = weights1d(src, rows, (rows + 0.1) / src);
        double[][] wc = weights1d(src, cols, (cols + 0.1) / src);
        float[] m = new float[rows * cols * src * src];
        int k = 0;
        for (int r = 0; r < rows; r++) {
            for (int c = 0; c < cols; c++) {
                for (int i = 0; i < src; i++) {
                    for (int j = 0; j < src; j++) {
                        m[k++] = (float) (wr[r][i] * wc[c][j]);
                    }
                }
            }
        }
        return m;
    }
}
