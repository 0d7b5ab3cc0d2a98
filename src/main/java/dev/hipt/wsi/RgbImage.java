package dev.hipt.wsi;

/**
 * An 8-bit RGB image, interleaved row-major: pixel (x, y) channel c is {@code rgb[(y * width + x) * 3 + c]}.
 */
public record RgbImage(int width, int height, byte[] rgb) {

    public RgbImage {
        if ((long) width * height * 3 != rgb.length) {
            throw new IllegalArgumentException(width + "x" + height + " RGB needs " + (long) width * height * 3
                    + " bytes, got " + rgb.length);
        }
    }

    public static RgbImage black(int width, int height) {
        return new RgbImage(width, height, new byte[width * height * 3]);
    }
}
