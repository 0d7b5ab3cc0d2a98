package dev.hipt.wsi;

/**
 * Microns per pixel of a slide's level 0 and where the value came from.
 *
 * @param x      microns per pixel along x, positive
 * @param y      microns per pixel along y, positive
 * @param source {@link #FROM_REQUEST} (an explicit override) or {@link #FROM_FILE}
 */
public record Mpp(double x, double y, String source) {

    /** The caller gave the value (upload parameter). */
    public static final String FROM_REQUEST = "request";
    /** The slide file gave the value. */
    public static final String FROM_FILE = "file";

    public Mpp {
        if (!(x > 0) || !(y > 0) || Double.isInfinite(x) || Double.isInfinite(y)) {
            throw new IllegalArgumentException("mpp must be positive and finite, got " + x + " x " + y);
        }
    }

    /** The single value used for scaling: the mean of {@code x} and {@code y} (they differ in no known scanner). */
    public double mean() {
        return (x + y) / 2;
    }
}
