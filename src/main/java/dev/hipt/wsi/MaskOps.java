package dev.hipt.wsi;

/** Pixel operations of tissue detection on 8-bit single-channel images (row-major, one byte a pixel). */
final class MaskOps {

    private MaskOps() {
    }

    /** HSV saturation as OpenCV computes it for 8-bit images: {@code 255 * (max - min) / max}, 0 where max is 0. */
    static byte[] saturation(byte[] rgb, int w, int h) {
        byte[] s = new byte[w * h];
        for (int i = 0, p = 0; i < s.length; i++, p += 3) {
            int r = rgb[p] & 0xff;
            int g = rgb[p + 1] & 0xff;
            int b = rgb[p + 2] & 0xff;
            int max = Math.max(r, Math.max(g, b));
            int min = Math.min(r, Math.min(g, b));
            s[i] = (byte) (max == 0 ? 0 : ((max - min) * 255 + max / 2) / max);
        }
        return s;
    }

    /**
     * Median over a {@code k x k} window, replicating the border (OpenCV's {@code medianBlur}). Huang's sliding
     * histogram: each step moves one column out and one in, and the median moves from where it was.
     */
    static byte[] medianBlur(byte[] src, int w, int h, int k) {
        if (k == 1) {
            return src.clone();
        }
        int r = k / 2;
        int half = (k * k) / 2; // the median has exactly `half` values below it in sorted order
        byte[] dst = new byte[w * h];
        int[] hist = new int[256];
        for (int y = 0; y < h; y++) {
            java.util.Arrays.fill(hist, 0);
            for (int dy = -r; dy <= r; dy++) {
                int row = clamp(y + dy, h) * w;
                for (int dx = -r; dx <= r; dx++) {
                    hist[src[row + clamp(dx, w)] & 0xff]++;
                }
            }
            int med = 0;
            int below = 0;
            while (below + hist[med] <= half) {
                below += hist[med];
                med++;
            }
            dst[y * w] = (byte) med;
            for (int x = 1; x < w; x++) {
                int out = clamp(x - r - 1, w);
                int in = clamp(x + r, w);
                for (int dy = -r; dy <= r; dy++) {
                    int row = clamp(y + dy, h) * w;
                    int vo = src[row + out] & 0xff;
                    hist[vo]--;
                    if (vo < med) {
                        below--;
                    }
                    int vi = src[row + in] & 0xff;
                    hist[vi]++;
                    if (vi < med) {
                        below++;
                    }
                }
                while (below > half) {
                    med--;
                    below -= hist[med];
                }
                while (below + hist[med] <= half) {
                    below += hist[med];
                    med++;
                }
                dst[y * w + x] = (byte) med;
            }
        }
        return dst;
    }

    private static int clamp(int v, int n) {
        return v < 0 ? 0 : (v >= n ? n - 1 : v);
    }

    /** Otsu's threshold: the level t that maximises the between-class variance of {@code <= t} and {@code > t}. */
    static int otsuThreshold(byte[] src) {
        long[] hist = new long[256];
        for (byte b : src) {
            hist[b & 0xff]++;
        }
        long total = src.length;
        double sumAll = 0;
        for (int i = 0; i < 256; i++) {
            sumAll += (double) i * hist[i];
        }
        double sumBelow = 0;
        long countBelow = 0;
        double best = -1;
        int threshold = 0;
        for (int t = 0; t < 256; t++) {
            countBelow += hist[t];
            sumBelow += (double) t * hist[t];
            long countAbove = total - countBelow;
            if (countBelow == 0 || countAbove == 0) {
                continue;
            }
            double meanBelow = sumBelow / countBelow;
            double meanAbove = (sumAll - sumBelow) / countAbove;
            double between = (double) countBelow * countAbove * (meanBelow - meanAbove) * (meanBelow - meanAbove);
            if (between > best) {
                best = between;
                threshold = t;
            }
        }
        return threshold;
    }

    /** 1 where the value is strictly above {@code t}, as OpenCV's {@code THRESH_BINARY}. */
    static byte[] threshold(byte[] src, int t) {
        byte[] dst = new byte[src.length];
        for (int i = 0; i < src.length; i++) {
            dst[i] = (byte) ((src[i] & 0xff) > t ? 1 : 0);
        }
        return dst;
    }

    /**
     * Morphological close (dilate, then erode) of a 0/1 image with a {@code k x k} square anchored at
     * {@code (k/2, k/2)} like OpenCV's default anchor; pixels outside the image take no part.
     */
    static byte[] close(byte[] bin, int w, int h, int k) {
        int before = k / 2;
        int after = k - 1 - before;
        byte[] dilated = extreme(extreme(bin, w, h, before, after, true, true), w, h, before, after, true, false);
        return extreme(extreme(dilated, w, h, before, after, false, true), w, h, before, after, false, false);
    }

    /** Max (dilate) or min (erode) over {@code [-before, +after]} along rows or columns, ignoring the outside. */
    private static byte[] extreme(byte[] src, int w, int h, int before, int after, boolean max, boolean alongRows) {
        byte[] dst = new byte[src.length];
        int n = alongRows ? w : h;
        int lines = alongRows ? h : w;
        int stride = alongRows ? 1 : w;
        int lineStride = alongRows ? w : 1;
        for (int line = 0; line < lines; line++) {
            int base = line * lineStride;
            for (int i = 0; i < n; i++) {
                int from = Math.max(0, i - before);
                int to = Math.min(n - 1, i + after);
                int v = max ? 0 : 1;
                for (int j = from; j <= to; j++) {
                    int s = src[base + j * stride];
                    if (max ? s > v : s < v) {
                        v = s;
                        break;
                    }
                }
                dst[base + i * stride] = (byte) v;
            }
        }
        return dst;
    }

    /**
     * Area-averages {@code src} by {@code factor} in both directions into {@code dst} (an interleaved RGB image
     * {@code dstWidth} wide) at {@code (dx, dy)}. Partial blocks at the right and bottom edges average the pixels
     * they have.
     */
    static void areaAverageInto(RgbImage src, int factor, byte[] dst, int dstWidth, int dx, int dy) {
        int bw = (src.width() + factor - 1) / factor;
        int bh = (src.height() + factor - 1) / factor;
        byte[] rgb = src.rgb();
        long[] sums = new long[bw * 3];
        int[] counts = new int[bw];
        for (int by = 0; by < bh; by++) {
            java.util.Arrays.fill(sums, 0);
            java.util.Arrays.fill(counts, 0);
            int yEnd = Math.min(src.height(), (by + 1) * factor);
            for (int y = by * factor; y < yEnd; y++) {
                int p = y * src.width() * 3;
                for (int x = 0; x < src.width(); x++, p += 3) {
                    int b = x / factor;
                    sums[b * 3] += rgb[p] & 0xff;
                    sums[b * 3 + 1] += rgb[p + 1] & 0xff;
                    sums[b * 3 + 2] += rgb[p + 2] & 0xff;
                    counts[b]++;
                }
            }
            for (int b = 0; b < bw; b++) {
                int o = ((dy + by) * dstWidth + dx + b) * 3;
                int c = counts[b];
                dst[o] = (byte) ((sums[b * 3] + c / 2) / c);
                dst[o + 1] = (byte) ((sums[b * 3 + 1] + c / 2) / c);
                dst[o + 2] = (byte) ((sums[b * 3 + 2] + c / 2) / c);
            }
        }
    }
}
