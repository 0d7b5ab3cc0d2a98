package dev.hipt.wsi;

/** Argument checks and allocation shared by the readers. */
final class RegionBuffers {

    private RegionBuffers() {
    }

    /** A zeroed RGB buffer for {@code width x height}, refusing sizes a Java array cannot hold. */
    static byte[] allocate(int width, int height) {
        if (width <= 0 || height <= 0) {
            throw new IllegalArgumentException("region size must be positive, got " + width + "x" + height);
        }
        long bytes = (long) width * height * 3;
        if (bytes > Integer.MAX_VALUE - 16) {
            throw new IllegalArgumentException("region " + width + "x" + height + " is too large for one read");
        }
        return new byte[(int) bytes];
    }
}
