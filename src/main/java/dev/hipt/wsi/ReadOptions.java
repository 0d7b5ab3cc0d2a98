package dev.hipt.wsi;

/**
 * How {@link RegionReader} cuts regions.
 *
 * @param targetMpp       microns per pixel of the regions it returns (0.5 = 20x, HIPT's input)
 * @param regionSize      side of a region in output pixels (4096 for HIPT)
 * @param whiteBackground fill pixels outside the slide with white instead of HIPT's black
 */
public record ReadOptions(double targetMpp, int regionSize, boolean whiteBackground) {

    public ReadOptions {
        if (!(targetMpp > 0) || Double.isInfinite(targetMpp)) {
            throw new IllegalArgumentException("targetMpp must be positive, got " + targetMpp);
        }
        if (regionSize < 1 || (long) regionSize * regionSize * 3 > Integer.MAX_VALUE - 16) {
            throw new IllegalArgumentException("regionSize out of range: " + regionSize);
        }
    }

    /** 0.5 um/px, 4096 px, black outside the slide: what HIPT's reference reads. */
    public static ReadOptions defaults() {
        return new ReadOptions(0.5, 4096, false);
    }
}
