package dev.hipt.wsi;

import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;

/** Whole-slide overview images read from the slide's own pyramid, for pictures (QC, heatmaps). */
public final class Thumbnails {

    private static final int READ_CHUNK = 2048;

    private Thumbnails() {
    }

    /**
     * The whole slide at {@code width x height}, read from the pyramid level closest above that size in chunks of
     * at most {@value #READ_CHUNK} px (never from the label, macro or thumbnail image, never by enlarging).
     */
    public static BufferedImage read(WholeSlideImage slide, int width, int height) {
        long w0 = slide.metadata().width();
        long h0 = slide.metadata().height();
        double wanted = Math.max((double) w0 / width, (double) h0 / height);
        Level level = slide.levels().get(0);
        for (Level l : slide.levels()) {
            if (l.downsample() <= wanted && l.downsample() > level.downsample()) {
                level = l;
            }
        }
        BufferedImage out = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = out.createGraphics();
        g.setRenderingHint(RenderingHints.KEY_INTERPOLATION, RenderingHints.VALUE_INTERPOLATION_BILINEAR);
        double sx = (double) width / level.width();
        double sy = (double) height / level.height();
        for (long ly = 0; ly < level.height(); ly += READ_CHUNK) {
            for (long lx = 0; lx < level.width(); lx += READ_CHUNK) {
                int cw = (int) Math.min(READ_CHUNK, level.width() - lx);
                int ch = (int) Math.min(READ_CHUNK, level.height() - ly);
                RgbImage chunk = slide.readRegion(level.index(), Math.round(lx * level.downsample()),
                        Math.round(ly * level.downsample()), cw, ch);
                int x0 = (int) Math.floor(lx * sx);
                int y0 = (int) Math.floor(ly * sy);
                int x1 = (int) Math.ceil((lx + cw) * sx);
                int y1 = (int) Math.ceil((ly + ch) * sy);
                BufferedImage piece = toImage(chunk);
                g.drawImage(piece.getScaledInstance(Math.max(1, x1 - x0), Math.max(1, y1 - y0),
                        java.awt.Image.SCALE_AREA_AVERAGING), x0, y0, null);
            }
        }
        g.dispose();
        return out;
    }

    /** An RGB image as a {@link BufferedImage}. */
    public static BufferedImage toImage(RgbImage rgb) {
        BufferedImage out = new BufferedImage(rgb.width(), rgb.height(), BufferedImage.TYPE_INT_RGB);
        byte[] b = rgb.rgb();
        for (int y = 0; y < rgb.height(); y++) {
            for (int x = 0; x < rgb.width(); x++) {
                int o = (y * rgb.width() + x) * 3;
                out.setRGB(x, y, ((b[o] & 0xff) << 16) | ((b[o + 1] & 0xff) << 8) | (b[o + 2] & 0xff));
            }
        }
        return out;
    }
}
