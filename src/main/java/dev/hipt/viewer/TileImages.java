package dev.hipt.viewer;

import dev.hipt.wsi.RgbImage;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import javax.imageio.IIOImage;
import javax.imageio.ImageIO;
import javax.imageio.ImageWriteParam;
import javax.imageio.ImageWriter;
import javax.imageio.stream.ImageOutputStream;

/** Scaling and encoding of tiles. */
final class TileImages {

    private TileImages() {
    }

    /**
     * {@code source} scaled to {@code width x height}: each output pixel is the mean of the source pixels it covers
     * (a box filter, so that downscaling by 2 to 4 does not alias), the nearest one when it covers less than one.
     */
    static BufferedImage scaled(RgbImage source, int width, int height) {
        BufferedImage out = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
        byte[] rgb = source.rgb();
        int[] row = new int[width];
        double sx = (double) source.width() / width;
        double sy = (double) source.height() / height;
        for (int j = 0; j < height; j++) {
            int y0 = Math.min(source.height() - 1, (int) (j * sy));
            int y1 = Math.max(y0 + 1, Math.min(source.height(), (int) ((j + 1) * sy)));
            for (int i = 0; i < width; i++) {
                int x0 = Math.min(source.width() - 1, (int) (i * sx));
                int x1 = Math.max(x0 + 1, Math.min(source.width(), (int) ((i + 1) * sx)));
                long r = 0;
                long g = 0;
                long b = 0;
                for (int y = y0; y < y1; y++) {
                    int p = (y * source.width() + x0) * 3;
                    for (int x = x0; x < x1; x++, p += 3) {
                        r += rgb[p] & 0xff;
                        g += rgb[p + 1] & 0xff;
                        b += rgb[p + 2] & 0xff;
                    }
                }
                long n = (long) (y1 - y0) * (x1 - x0);
                row[i] = (int) ((r + n / 2) / n) << 16 | (int) ((g + n / 2) / n) << 8 | (int) ((b + n / 2) / n);
            }
            out.setRGB(0, j, width, 1, row, 0, width);
        }
        return out;
    }

    static byte[] jpeg(BufferedImage image, float quality) {
        ImageWriter writer = ImageIO.getImageWritersByFormatName("jpeg").next();
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ImageOutputStream out = ImageIO.createImageOutputStream(bytes)) {
            writer.setOutput(out);
            ImageWriteParam param = writer.getDefaultWriteParam();
            param.setCompressionMode(ImageWriteParam.MODE_EXPLICIT);
            param.setCompressionQuality(quality);
            writer.write(null, new IIOImage(image, null, null), param);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot encode a JPEG tile", e);
        } finally {
            writer.dispose();
        }
        return bytes.toByteArray();
    }

    static byte[] png(BufferedImage image) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try {
            ImageIO.write(image, "png", bytes);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot encode a PNG tile", e);
        }
        return bytes.toByteArray();
    }
}
