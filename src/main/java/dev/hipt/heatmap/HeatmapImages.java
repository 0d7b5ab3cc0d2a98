package dev.hipt.heatmap;

import dev.hipt.wsi.RgbImage;
import dev.hipt.wsi.Thumbnails;
import dev.hipt.wsi.WholeSlideImage;
import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.Locale;
import javax.imageio.ImageIO;

/**
 * The pictures: H&E blended with a colour layer at alpha 0.5 as HIPT's figures are ({@code cv2.addWeighted(color,
 * alpha, region, 1 - alpha, 0)}), with a legend strip below: the title, a colour bar and a scale bar.
 */
final class HeatmapImages {

    static final double ALPHA = 0.5;
    static final int LEGEND = 64;

    private HeatmapImages() {
    }

    static BufferedImage toImage(RgbImage rgb) {
        return Thumbnails.toImage(rgb);
    }

    /** {@code source} scaled to {@code width x height} by area averaging (no enlarging artefacts either way). */
    static BufferedImage scaled(BufferedImage source, int width, int height) {
        BufferedImage out = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = out.createGraphics();
        g.drawImage(source.getScaledInstance(width, height, java.awt.Image.SCALE_AREA_AVERAGING), 0, 0, null);
        g.dispose();
        return out;
    }

    /** The whole slide at {@code width x height} from a pyramid level ({@link Thumbnails#read}). */
    static BufferedImage slideThumbnail(WholeSlideImage slide, int width, int height) {
        return Thumbnails.read(slide, width, height);
    }

    /** {@code he} with {@code layer} blended in where the layer is opaque, in place. */
    static BufferedImage blend(BufferedImage he, BufferedImage layer, double alpha) {
        for (int y = 0; y < he.getHeight(); y++) {
            for (int x = 0; x < he.getWidth(); x++) {
                int c = layer.getRGB(x, y);
                if ((c >>> 24) == 0) {
                    continue;
                }
                int h = he.getRGB(x, y);
                he.setRGB(x, y, mix(c >> 16, h >> 16, alpha) << 16 | mix(c >> 8, h >> 8, alpha) << 8
                        | mix(c, h, alpha));
            }
        }
        return he;
    }

    private static int mix(int color, int he, double alpha) {
        // cv2.addWeighted rounds and saturates
        return (int) Math.min(255, Math.round((color & 0xff) * alpha + (he & 0xff) * (1 - alpha)));
    }

    /**
     * The figure: {@code image} above a legend strip with {@code title}, the colour bar from {@code low} to
     * {@code high}, and a scale bar for {@code micronsPerPixel} of the image (none when unknown).
     */
    static BufferedImage withLegend(BufferedImage image, String title, ColorMap colors, String low, String high,
                                    double micronsPerPixel) {
        int w = Math.max(image.getWidth(), 320);
        BufferedImage out = new BufferedImage(w, image.getHeight() + LEGEND, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = out.createGraphics();
        g.setColor(Color.WHITE);
        g.fillRect(0, 0, w, out.getHeight());
        g.drawImage(image, 0, 0, null);
        g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
        g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 12));
        g.setColor(Color.BLACK);
        int top = image.getHeight();
        g.drawString(title, 8, top + 16);
        int barX = 8;
        int barW = Math.min(256, w / 2 - 16);
        int barY = top + 24;
        for (int i = 0; i < barW; i++) {
            g.setColor(new Color(colors.rgb((i + 0.5) / barW)));
            g.fillRect(barX + i, barY, 1, 14);
        }
        g.setColor(Color.BLACK);
        g.drawRect(barX, barY, barW, 14);
        g.drawString(low, barX, barY + 30);
        g.drawString(high, barX + barW - g.getFontMetrics().stringWidth(high), barY + 30);
        if (micronsPerPixel > 0) {
            scaleBar(g, w - 8, barY + 7, w / 3, micronsPerPixel);
        }
        g.dispose();
        return out;
    }

    /** The longest 1-2-5 length in microns that fits in {@code maxPx}, right-aligned at {@code right}. */
    private static void scaleBar(Graphics2D g, int right, int y, int maxPx, double micronsPerPixel) {
        double maxMicrons = maxPx * micronsPerPixel;
        double length = 0;
        for (double decade = 1e-1; decade <= 1e6; decade *= 10) {
            for (double step : List.of(1.0, 2.0, 5.0)) {
                if (step * decade <= maxMicrons) {
                    length = step * decade;
                }
            }
        }
        if (length == 0) {
            return;
        }
        int px = (int) Math.round(length / micronsPerPixel);
        g.setStroke(new BasicStroke(3));
        g.drawLine(right - px, y, right, y);
        String label = length >= 1000 ? String.format(Locale.ROOT, "%s mm", trim(length / 1000))
                : String.format(Locale.ROOT, "%s \u00b5m", trim(length));
        g.drawString(label, right - px, y + 22);
    }

    private static String trim(double v) {
        return v == Math.rint(v) ? Long.toString((long) v) : Double.toString(v);
    }

    static byte[] png(BufferedImage image) {
        try (ByteArrayOutputStream out = new ByteArrayOutputStream()) {
            ImageIO.write(image, "png", out);
            return out.toByteArray();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
