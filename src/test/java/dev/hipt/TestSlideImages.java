package dev.hipt;

import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import javax.imageio.ImageIO;

/** Small slide images for tests of the whole service: PNGs with and without tissue, distinct bytes for each n. */
public final class TestSlideImages {

    private TestSlideImages() {
    }

    /** A 512 x 512 PNG (send it with mpp 0.5) with an H&E-coloured blob: one region with tissue. */
    public static byte[] tissue(int n) {
        BufferedImage image = blankImage(n);
        Graphics2D g = image.createGraphics();
        g.setColor(new Color(190, 90, 160));
        g.fillOval(96, 96, 320, 300);
        g.setColor(new Color(120, 40, 130));
        g.fillOval(180, 160, 120, 90);
        g.dispose();
        return png(image);
    }

    /** A PNG of tissue colour all over, {@code width} x {@code height}: with mpp 4.0, one 4096 region at 20x per 512 px. */
    static byte[] tissueEverywhere(int width, int height) {
        BufferedImage image = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = image.createGraphics();
        g.setColor(new Color(190, 90, 160));
        g.fillRect(0, 0, width, height);
        g.dispose();
        return png(image);
    }

    /** A white 512 x 512 PNG: its analysis ends NO_TISSUE. */
    static byte[] blank(int n) {
        return png(blankImage(n));
    }

    /** White, with the first pixel encoding {@code n} so that no two images are the same bytes. */
    private static BufferedImage blankImage(int n) {
        BufferedImage image = new BufferedImage(512, 512, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = image.createGraphics();
        g.setColor(Color.WHITE);
        g.fillRect(0, 0, 512, 512);
        g.dispose();
        image.setRGB(0, 0, 0xFF000000 | n);
        return image;
    }

    /** {@code image} encoded as PNG bytes. */
    public static byte[] png(BufferedImage image) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try {
            ImageIO.write(image, "png", out);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }
}
