package dev.hipt.wsi;

import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/**
 * Reads square regions at a target magnification (by default 4096 x 4096 at 0.5 um/px, HIPT's 20x input) from
 * any {@link WholeSlideImage}. How a region is made depends on the slide's level-0 MPP {@code m} and the target
 * {@code t}:
 * <ul>
 *   <li>{@code m} within 10% of {@code t}: level 0 is read as it is, {@code regionSize} pixels a side;</li>
 *   <li>{@code m} within 10% of {@code t / 2} (40x scans): {@code 2 * regionSize} pixels of level 0 are averaged
 *       2 x 2 ({@code (a + b + c + d + 2) / 4}, i.e. rounded half up);</li>
 *   <li>anything else: the coarsest level whose MPP is still at most {@code t} (level 0 when the scan is coarser
 *       than the target) is read over the region's footprint and resampled separably to {@code regionSize}:
 *       area averaging (each output pixel the area-weighted mean of the source pixels it covers) when shrinking,
 *       bilinear interpolation (half-pixel centres, edges clamped) when enlarging.</li>
 * </ul>
 * Pixels outside the slide are black (HIPT's reference), or white with {@link ReadOptions#whiteBackground()}.
 * Reads go in horizontal strips, so the memory a read needs stays near the size of the region it returns,
 * whatever the footprint (a 40x region reads 8192 x 8192 pixels but never holds them at once). Instances are
 * immutable and thread-safe.
 */
public final class RegionReader {

    /** Relative tolerance for "at the target" and "at half the target". */
    static final double TOLERANCE = 0.10;

    /** Source bytes one strip may hold while shrinking or resampling. */
    private static final long STRIP_BYTES = 16L << 20;

    private final ReadOptions options;

    public RegionReader(ReadOptions options) {
        this.options = Objects.requireNonNull(options, "options");
    }

    /** A reader with {@link ReadOptions#defaults()}. */
    public RegionReader() {
        this(ReadOptions.defaults());
    }

    public ReadOptions options() {
        return options;
    }

    /**
     * Level-0 pixels one region covers along each side for a slide of this MPP: {@code regionSize} at the target,
     * {@code 2 * regionSize} at half the target, else {@code round(regionSize * targetMpp / mpp)}. The region grid
     * steps by this.
     */
    public long level0Footprint(Mpp mpp) {
        Objects.requireNonNull(mpp, "mpp");
        double m = mpp.mean();
        double t = options.targetMpp();
        int size = options.regionSize();
        if (near(m, t)) {
            return size;
        }
        if (near(m, t / 2)) {
            return 2L * size;
        }
        return Math.max(1, Math.round(size * t / m));
    }

    /**
     * The {@code regionSize x regionSize} RGB region at the target MPP whose level-0 top-left corner is
     * {@code (x0, y0)}.
     *
     * @throws SlideException as the slide's reads throw it (e.g. {@code CORRUPT_SLIDE})
     */
    public RgbImage read(WholeSlideImage slide, Mpp mpp, long x0, long y0) {
        Objects.requireNonNull(slide, "slide");
        Plan plan = plan(mpp, slide.levels());
        return switch (plan.mode()) {
            case AS_IS -> readLevel(slide, 0, x0, y0, options.regionSize(), options.regionSize());
            case HALVE -> halve(slide, x0, y0);
            case RESAMPLE -> resample(slide, plan, x0, y0);
        };
    }

    enum Mode { AS_IS, HALVE, RESAMPLE }

    /** What a read does: the mode, the level it reads and the level-0 footprint. */
    record Plan(Mode mode, int level, double downsample, long footprint) {
    }

    Plan plan(Mpp mpp, List<Level> levels) {
        double m = mpp.mean();
        double t = options.targetMpp();
        long footprint = level0Footprint(mpp);
        if (near(m, t)) {
            return new Plan(Mode.AS_IS, 0, 1.0, footprint);
        }
        if (near(m, t / 2)) {
            return new Plan(Mode.HALVE, 0, 1.0, footprint);
        }
        Level chosen = levels.get(0);
        for (Level level : levels) {
            // the coarsest level that is still at least as fine as the target (tiny slack for rounding)
            if (m * level.downsample() <= t * (1 + 1e-6) && level.downsample() > chosen.downsample()) {
                chosen = level;
            }
        }
        return new Plan(Mode.RESAMPLE, chosen.index(), chosen.downsample(), footprint);
    }

    private static boolean near(double value, double target) {
        return Math.abs(value - target) <= TOLERANCE * target;
    }

    private RgbImage halve(WholeSlideImage slide, long x0, long y0) {
        int size = options.regionSize();
        int srcWidth = 2 * size;
        int bandRows = (int) Math.max(1, Math.min(size, STRIP_BYTES / (2L * srcWidth * 3)));
        byte[] out = new byte[size * size * 3];
        for (int row0 = 0; row0 < size; row0 += bandRows) {
            int rows = Math.min(bandRows, size - row0);
            byte[] src = readLevel(slide, 0, x0, y0 + 2L * row0, srcWidth, 2 * rows).rgb();
            int rowBytes = srcWidth * 3;
            for (int r = 0; r < rows; r++) {
                int top = 2 * r * rowBytes;
                int bottom = top + rowBytes;
                int o = (row0 + r) * size * 3;
                for (int c = 0; c < size; c++) {
                    int s = 6 * c;
                    for (int ch = 0; ch < 3; ch++) {
                        int sum = (src[top + s + ch] & 0xff) + (src[top + s + 3 + ch] & 0xff)
                                + (src[bottom + s + ch] & 0xff) + (src[bottom + s + 3 + ch] & 0xff);
                        out[o++] = (byte) ((sum + 2) >> 2);
                    }
                }
            }
        }
        return new RgbImage(size, size, out);
    }

    private RgbImage resample(WholeSlideImage slide, Plan plan, long x0, long y0) {
        int size = options.regionSize();
        double d = plan.downsample();
        double extent = plan.footprint() / d;                   // source pixels at the level, per side
        double scale = extent / size;                           // source pixels per output pixel
        double sx = x0 / d;
        double sy = y0 / d;
        long ix0 = (long) Math.floor(sx);
        long iy0 = (long) Math.floor(sy);
        int cols = (int) Math.ceil(sx - ix0 + extent) + 1;
        int rowsTotal = (int) Math.ceil(sy - iy0 + extent) + 1;
        Weights wx = Weights.of(sx - ix0, scale, size, cols);
        Weights wy = Weights.of(sy - iy0, scale, size, rowsTotal);

        long perOutputRow = (long) (Math.ceil(scale) + 1) * cols * 3;
        int bandRows = (int) Math.max(1, Math.min(size, STRIP_BYTES / perOutputRow));
        byte[] out = new byte[size * size * 3];
        float[] acc = new float[size * 3];
        for (int row0 = 0; row0 < size; row0 += bandRows) {
            int row1 = Math.min(size, row0 + bandRows);
            int srcFirst = wy.first[row0];
            int srcLast = wy.last(row1 - 1);
            int srcRows = srcLast - srcFirst + 1;
            long levelY = iy0 + srcFirst;
            byte[] src = readLevel(slide, plan.level(), Math.round(ix0 * d), Math.round(levelY * d), cols, srcRows)
                    .rgb();
            float[] horizontal = new float[srcRows * size * 3];
            for (int r = 0; r < srcRows; r++) {
                resampleRow(src, r * cols * 3, wx, horizontal, r * size * 3);
            }
            for (int o = row0; o < row1; o++) {
                Arrays.fill(acc, 0f);
                int n = wy.count[o];
                for (int k = 0; k < n; k++) {
                    float w = wy.weight[o * wy.stride + k];
                    int base = (wy.first[o] + k - srcFirst) * size * 3;
                    for (int i = 0; i < acc.length; i++) {
                        acc[i] += w * horizontal[base + i];
                    }
                }
                int ob = o * size * 3;
                for (int i = 0; i < acc.length; i++) {
                    out[ob + i] = (byte) clamp(Math.round(acc[i]));
                }
            }
        }
        return new RgbImage(size, size, out);
    }

    private static void resampleRow(byte[] src, int srcOffset, Weights wx, float[] dst, int dstOffset) {
        int size = wx.first.length;
        for (int o = 0; o < size; o++) {
            float r = 0;
            float g = 0;
            float b = 0;
            int n = wx.count[o];
            int p = srcOffset + wx.first[o] * 3;
            for (int k = 0; k < n; k++, p += 3) {
                float w = wx.weight[o * wx.stride + k];
                r += w * (src[p] & 0xff);
                g += w * (src[p + 1] & 0xff);
                b += w * (src[p + 2] & 0xff);
            }
            int q = dstOffset + o * 3;
            dst[q] = r;
            dst[q + 1] = g;
            dst[q + 2] = b;
        }
    }

    private static int clamp(int v) {
        return v < 0 ? 0 : Math.min(255, v);
    }

    /** Reads through the background-aware path when white is wanted; else plain {@code readRegion}. */
    private RgbImage readLevel(WholeSlideImage slide, int level, long x, long y, int width, int height) {
        if (!options.whiteBackground()) {
            return slide.readRegion(level, x, y, width, height);
        }
        if (slide instanceof BackgroundFill fill) {
            return fill.readRegion(level, x, y, width, height, true);
        }
        RgbImage image = slide.readRegion(level, x, y, width, height);
        whitenOutside(image, slide.levels().get(level), x, y);
        return image;
    }

    /** For readers without {@link BackgroundFill}: whitens pixels whose position lies outside the level. */
    private static void whitenOutside(RgbImage image, Level level, long x, long y) {
        long lx = Math.round(x / level.downsample());
        long ly = Math.round(y / level.downsample());
        byte[] rgb = image.rgb();
        for (int r = 0; r < image.height(); r++) {
            boolean rowOutside = ly + r < 0 || ly + r >= level.height();
            for (int c = 0; c < image.width(); c++) {
                if (rowOutside || lx + c < 0 || lx + c >= level.width()) {
                    int p = (r * image.width() + c) * 3;
                    rgb[p] = (byte) 0xff;
                    rgb[p + 1] = (byte) 0xff;
                    rgb[p + 2] = (byte) 0xff;
                }
            }
        }
    }

    /**
     * Per output pixel along one axis: the first source index, how many source pixels contribute, and their
     * weights (summing to 1). Source indices are relative to the strip's origin and clamped to {@code [0, n)}.
     */
    static final class Weights {

        final int[] first;
        final int[] count;
        final float[] weight;
        final int stride;

        private Weights(int[] first, int[] count, float[] weight, int stride) {
            this.first = first;
            this.count = count;
            this.weight = weight;
            this.stride = stride;
        }

        int last(int o) {
            return first[o] + count[o] - 1;
        }

        /**
         * @param offset fractional position of the first output pixel's left edge in source pixels
         * @param scale  source pixels per output pixel
         * @param size   output pixels
         * @param n      source pixels available
         */
        static Weights of(double offset, double scale, int size, int n) {
            int stride = scale >= 1 ? (int) Math.ceil(scale) + 1 : 2;
            int[] first = new int[size];
            int[] count = new int[size];
            float[] weight = new float[size * stride];
            double[] w = new double[stride];
            for (int o = 0; o < size; o++) {
                int lo;
                int k;
                if (scale >= 1) {
                    double a = offset + o * scale;
                    double b = a + scale;
                    lo = (int) Math.floor(a);
                    int hi = Math.min((int) Math.ceil(b) - 1, lo + stride - 1);
                    k = 0;
                    for (int i = lo; i <= hi; i++) {
                        double overlap = Math.min(b, i + 1) - Math.max(a, i);
                        w[k++] = Math.max(0, overlap) / scale;
                    }
                } else {
                    double c = offset + (o + 0.5) * scale - 0.5;
                    lo = (int) Math.floor(c);
                    double f = c - lo;
                    w[0] = 1 - f;
                    w[1] = f;
                    k = 2;
                }
                // clamp to the available source pixels, folding weight that falls off an edge onto it
                int start = Math.max(0, Math.min(n - 1, lo));
                int end = Math.max(0, Math.min(n - 1, lo + k - 1));
                first[o] = start;
                count[o] = end - start + 1;
                double sum = 0;
                for (int i = 0; i < k; i++) {
                    int idx = Math.max(start, Math.min(end, lo + i)) - start;
                    weight[o * stride + idx] += (float) w[i];
                    sum += w[i];
                }
                if (sum > 0 && Math.abs(sum - 1) > 1e-6) {
                    for (int i = 0; i < count[o]; i++) {
                        weight[o * stride + i] /= (float) sum;
                    }
                }
            }
            return new Weights(first, count, weight, stride);
        }
    }
}
