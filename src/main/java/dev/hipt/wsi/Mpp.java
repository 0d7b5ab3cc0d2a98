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
    /**
     * The finest microns per pixel taken as a microscope's (0.01 um/px); below it the region grid would need
     * more level-0 pixels per region than an array can hold.
     */
    public static final double MIN_PLAUSIBLE = 0.01;
    /**
     * The coarsest microns per pixel taken as a microscope's (20 um/px); 72 or 96 dpi editor defaults (350 or
     * 265 um/px) lie above it.
     */
    public static final double MAX_PLAUSIBLE = 20.0;

    public Mpp {
        if (!(x > 0) || !(y > 0) || Double.isInfinite(x) || Double.isInfinite(y)) {
            throw new IllegalArgumentException("mpp must be positive and finite, got " + x + " x " + y);
        }
    }

    /** Whether {@code mpp} is a microscope's microns per pixel: finite and within [{@value #MIN_PLAUSIBLE}, {@value #MAX_PLAUSIBLE}]. */
    public static boolean plausible(double mpp) {
        return Double.isFinite(mpp) && mpp >= MIN_PLAUSIBLE && mpp <= MAX_PLAUSIBLE;
    }

    /** The single value used for scaling: the mean of {@code x} and {@code y} (they differ in no known scanner). */
    public double mean() {
        return (x + y) / 2;
    }
}
