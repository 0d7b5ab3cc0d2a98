package dev.hipt.heatmap;

import java.util.Arrays;

/**
 * HIPT's rank normalisation, {@code scipy.stats.rankdata(v) * 100 / len(v)} with ties averaged, and the one-byte
 * code the percentiles are stored in.
 *
 * <p>HIPT ranks a map after nearest-neighbour upsampling to pixels (x16 for a ViT-256 map, x256 for a ViT-4K map at
 * full size), so every value counts {@code q} times. With {@code less} values below v and {@code t} equal to it
 * (v included) among the {@code n} map values, the averaged pixel rank is {@code less q + (t q + 1) / 2} of {@code n
 * q} pixels, i.e. the percentile {@code 100 (less + t / 2 + 1 / (2 q)) / n}; this computes that on the {@code n}
 * values instead of the {@code n q} pixels.
 */
final class Percentiles {

    /** Codes 0..255 stand for percentiles 0..100 in steps of 100 / 255. */
    static final double PER_CODE = 100.0 / 255;

    private Percentiles() {
    }

    /**
     * The percentiles of {@code values[from, from + n)} as HIPT computes them after upsampling each value to
     * {@code pixelsPerValue} pixels, written to {@code out[from, from + n)}.
     */
    static void rank(float[] values, int from, int n, double pixelsPerValue, float[] out) {
        float[] sorted = Arrays.copyOfRange(values, from, from + n);
        Arrays.sort(sorted);
        double half = 1 / (2 * pixelsPerValue);
        for (int i = 0; i < n; i++) {
            float v = values[from + i];
            int less = lowerBound(sorted, v);
            int ties = lowerBound(sorted, Math.nextUp(v)) - less;
            out[from + i] = (float) (100 * (less + ties / 2.0 + half) / n);
        }
    }

    /** The percentiles of consecutive maps of {@code mapSize} values each, every map ranked on its own. */
    static float[] rankEach(float[] maps, int mapSize, double pixelsPerValue) {
        if (maps.length % mapSize != 0) {
            throw new IllegalArgumentException(maps.length + " values are not maps of " + mapSize);
        }
        float[] out = new float[maps.length];
        for (int from = 0; from < maps.length; from += mapSize) {
            rank(maps, from, mapSize, pixelsPerValue, out);
        }
        return out;
    }

    static byte[] encode(float[] percentiles) {
        byte[] codes = new byte[percentiles.length];
        for (int i = 0; i < codes.length; i++) {
            codes[i] = (byte) Math.round(Math.max(0, Math.min(100, percentiles[i])) / PER_CODE);
        }
        return codes;
    }

    static float decode(byte code) {
        return (float) ((code & 0xff) * PER_CODE);
    }

    /** The smallest index whose value is {@code >= v}. */
    private static int lowerBound(float[] sorted, float v) {
        int lo = 0;
        int hi = sorted.length;
        while (lo < hi) {
            int mid = (lo + hi) >>> 1;
            if (sorted[mid] < v) {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        return lo;
    }
}
