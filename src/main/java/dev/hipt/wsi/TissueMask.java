package dev.hipt.wsi;

import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import javax.imageio.ImageIO;

/**
 * A slide's tissue mask: one bit a mask pixel at {@link #downsample()} relative to level 0, mask pixel
 * {@code (i, j)} covering level-0 {@code [i * downsample, (i + 1) * downsample) x [j * downsample, (j + 1) *
 * downsample)} clipped to the slide. It keeps the low-resolution RGB image it was computed from, for the QC overlay.
 * Immutable and safe to share between threads.
 */
public final class TissueMask {

    private static final int OUTLINE_RGB = 0x00c853;

    private final byte[] mask;
    private final int width;
    private final int height;
    private final double downsample;
    private final long slideWidth;
    private final long slideHeight;
    private final RgbImage lowRes;

    TissueMask(byte[] mask, int width, int height, double downsample, long slideWidth, long slideHeight,
               RgbImage lowRes) {
        if (mask.length != width * height || lowRes.width() != width || lowRes.height() != height) {
            throw new IllegalArgumentException("mask and image sizes differ");
        }
        this.mask = mask;
        this.width = width;
        this.height = height;
        this.downsample = downsample;
        this.slideWidth = slideWidth;
        this.slideHeight = slideHeight;
        this.lowRes = lowRes;
    }

    /** Mask width in mask pixels. */
    public int width() {
        return width;
    }

    /** Mask height in mask pixels. */
    public int height() {
        return height;
    }

    /** Level-0 pixels per mask pixel along each axis. */
    public double downsample() {
        return downsample;
    }

    /** Level-0 width of the slide the mask belongs to. */
    public long slideWidth() {
        return slideWidth;
    }

    /** Level-0 height of the slide the mask belongs to. */
    public long slideHeight() {
        return slideHeight;
    }

    /** Whether mask pixel {@code (mx, my)} is tissue; outside the mask is not. */
    public boolean isTissue(int mx, int my) {
        return mx >= 0 && my >= 0 && mx < width && my < height && mask[my * width + mx] != 0;
    }

    /** Whether no pixel of the mask is tissue. */
    public boolean isEmpty() {
        for (byte b : mask) {
            if (b != 0) {
                return false;
            }
        }
        return true;
    }

    /** The share of the whole slide's area that is tissue, in [0, 1]. */
    public double tissueFraction() {
        return tissueFraction(0, 0, slideWidth, slideHeight);
    }

    /**
     * The share of the level-0 rectangle {@code [x0, x0 + w) x [y0, y0 + h)} that is tissue, in [0, 1], with
     * mask pixels counted by the area they overlap; area outside the slide counts as non-tissue.
     */
    public double tissueFraction(long x0, long y0, long w, long h) {
        if (w <= 0 || h <= 0) {
            throw new IllegalArgumentException("empty rectangle " + w + " x " + h);
        }
        double x1 = Math.min(x0 + w, slideWidth);
        double y1 = Math.min(y0 + h, slideHeight);
        double xs = Math.max(x0, 0);
        double ys = Math.max(y0, 0);
        if (xs >= x1 || ys >= y1) {
            return 0;
        }
        int i0 = (int) Math.floor(xs / downsample);
        int i1 = Math.min(width - 1, (int) Math.ceil(x1 / downsample) - 1);
        int j0 = (int) Math.floor(ys / downsample);
        int j1 = Math.min(height - 1, (int) Math.ceil(y1 / downsample) - 1);
        double tissue = 0;
        for (int j = j0; j <= j1; j++) {
            double oy = Math.min(y1, (j + 1) * downsample) - Math.max(ys, j * downsample);
            if (oy <= 0) {
                continue;
            }
            double rowArea = 0;
            int row = j * width;
            for (int i = i0; i <= i1; i++) {
                if (mask[row + i] != 0) {
                    double ox = Math.min(x1, (i + 1) * downsample) - Math.max(xs, i * downsample);
                    if (ox > 0) {
                        rowArea += ox;
                    }
                }
            }
            tissue += rowArea * oy;
        }
        return Math.min(1.0, tissue / ((double) w * h));
    }

    /** The mask as a grayscale PNG of {@link #width()} x {@link #height()}: tissue white, background black. */
    public byte[] maskPng() {
        BufferedImage image = new BufferedImage(width, height, BufferedImage.TYPE_BYTE_GRAY);
        byte[] gray = new byte[mask.length];
        for (int i = 0; i < mask.length; i++) {
            gray[i] = (byte) (mask[i] != 0 ? 255 : 0);
        }
        image.getRaster().setDataElements(0, 0, width, height, gray);
        return png(image);
    }

    /**
     * A QC thumbnail at most {@code maxSide} pixels on its longer side (never larger than the mask): the
     * low-resolution read of the slide, tissue tinted green and outlined. Built only from the slide's own pixels,
     * never from its label, macro or thumbnail images.
     */
    public byte[] overlayPng(int maxSide) {
        if (maxSide < 1) {
            throw new IllegalArgumentException("maxSide must be positive: " + maxSide);
        }
        double scale = Math.min(1.0, (double) maxSide / Math.max(width, height));
        int ow = Math.max(1, (int) Math.round(width * scale));
        int oh = Math.max(1, (int) Math.round(height * scale));
        boolean[] tissue = new boolean[ow * oh];
        int[] rgb = new int[ow * oh];
        byte[] src = lowRes.rgb();
        for (int y = 0; y < oh; y++) {
            int sy0 = (int) ((long) y * height / oh);
            int sy1 = Math.max(sy0 + 1, (int) ((long) (y + 1) * height / oh));
            for (int x = 0; x < ow; x++) {
                int sx0 = (int) ((long) x * width / ow);
                int sx1 = Math.max(sx0 + 1, (int) ((long) (x + 1) * width / ow));
                long r = 0;
                long g = 0;
                long b = 0;
                int t = 0;
                int c = 0;
                for (int sy = sy0; sy < sy1; sy++) {
                    for (int sx = sx0; sx < sx1; sx++) {
                        int p = (sy * width + sx) * 3;
                        r += src[p] & 0xff;
                        g += src[p + 1] & 0xff;
                        b += src[p + 2] & 0xff;
                        t += mask[sy * width + sx] != 0 ? 1 : 0;
                        c++;
                    }
                }
                rgb[y * ow + x] = (int) (r / c) << 16 | (int) (g / c) << 8 | (int) (b / c);
                tissue[y * ow + x] = t * 2 >= c;
            }
        }
        BufferedImage image = new BufferedImage(ow, oh, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < oh; y++) {
            for (int x = 0; x < ow; x++) {
                int i = y * ow + x;
                int v = rgb[i];
                if (tissue[i]) {
                    boolean edge = x == 0 || y == 0 || x == ow - 1 || y == oh - 1
                            || !tissue[i - 1] || !tissue[i + 1] || !tissue[i - ow] || !tissue[i + ow];
                    v = edge ? OUTLINE_RGB : tint(v);
                }
                image.setRGB(x, y, v);
            }
        }
        return png(image);
    }

    private static int tint(int rgb) {
        int r = (rgb >> 16) & 0xff;
        int g = (rgb >> 8) & 0xff;
        int b = rgb & 0xff;
        return (r * 3 / 4) << 16 | ((g * 3 + 255) / 4) << 8 | (b * 3 / 4);
    }

    private static byte[] png(BufferedImage image) {
        try {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            if (!ImageIO.write(image, "png", out)) {
                throw new IllegalStateException("no PNG writer");
            }
            return out.toByteArray();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
