package dev.hipt.wsi;

import javax.imageio.IIOImage;
import javax.imageio.ImageIO;
import javax.imageio.ImageTypeSpecifier;
import javax.imageio.ImageWriter;
import javax.imageio.metadata.IIOMetadata;
import javax.imageio.metadata.IIOMetadataNode;
import javax.imageio.stream.ImageOutputStream;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;

/** Small images written by tests: PNG (optionally with pHYs), JPEG, and a hand-built stripped RGB TIFF. */
final class TestImages {

    private TestImages() {
    }

    /** An RGB image whose pixel (x, y) is {@link SyntheticSlide#channel}. */
    static BufferedImage pattern(int width, int height) {
        BufferedImage image = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < height; y++) {
            for (int x = 0; x < width; x++) {
                image.setRGB(x, y, SyntheticSlide.channel(x, y, 0) << 16 | SyntheticSlide.channel(x, y, 1) << 8
                        | SyntheticSlide.channel(x, y, 2));
            }
        }
        return image;
    }

    static Path png(Path file, BufferedImage image, Double mpp) throws IOException {
        ImageWriter writer = ImageIO.getImageWritersByFormatName("png").next();
        IIOMetadata metadata = writer.getDefaultImageMetadata(ImageTypeSpecifier.createFromRenderedImage(image),
                writer.getDefaultWriteParam());
        if (mpp != null) {
            String format = "javax_imageio_png_1.0";
            IIOMetadataNode root = new IIOMetadataNode(format);
            IIOMetadataNode phys = new IIOMetadataNode("pHYs");
            String perMetre = String.valueOf(Math.round(1e6 / mpp));
            phys.setAttribute("pixelsPerUnitXAxis", perMetre);
            phys.setAttribute("pixelsPerUnitYAxis", perMetre);
            phys.setAttribute("unitSpecifier", "meter");
            root.appendChild(phys);
            metadata.mergeTree(format, root);
        }
        try (ImageOutputStream out = ImageIO.createImageOutputStream(Files.newOutputStream(file))) {
            writer.setOutput(out);
            writer.write(new IIOImage(image, null, metadata));
        } finally {
            writer.dispose();
        }
        return file;
    }

    static Path jpeg(Path file, BufferedImage image) throws IOException {
        if (!ImageIO.write(image, "jpeg", file.toFile())) {
            throw new IOException("no JPEG writer");
        }
        return file;
    }

    /**
     * An uncompressed, stripped (one strip), little-endian RGB TIFF; with {@code pixelsPerUnit} non-null it carries
     * XResolution/YResolution and ResolutionUnit {@code unit} (2 inch, 3 cm).
     */
    static Path tiff(Path file, BufferedImage image, Double pixelsPerUnit, int unit) throws IOException {
        int w = image.getWidth();
        int h = image.getHeight();
        byte[] pixels = new byte[w * h * 3];
        ImageIoImage.copyRgb(image, pixels, w, 0, 0);
        int entries = pixelsPerUnit == null ? 9 : 12;
        int ifdOffset = 8;
        int ifdSize = 2 + entries * 12 + 4;
        int bitsOffset = ifdOffset + ifdSize;
        int resOffset = bitsOffset + 6;
        int dataOffset = resOffset + 16;
        ByteBuffer b = ByteBuffer.allocate(dataOffset + pixels.length).order(ByteOrder.LITTLE_ENDIAN);
        b.put((byte) 'I').put((byte) 'I').putShort((short) 42).putInt(ifdOffset);
        b.putShort((short) entries);
        entry(b, 256, 4, 1, w);
        entry(b, 257, 4, 1, h);
        entry(b, 258, 3, 3, bitsOffset);
        entry(b, 259, 3, 1, 1);
        entry(b, 262, 3, 1, 2);
        entry(b, 273, 4, 1, dataOffset);
        entry(b, 277, 3, 1, 3);
        entry(b, 278, 4, 1, h);
        entry(b, 279, 4, 1, pixels.length);
        if (pixelsPerUnit != null) {
            entry(b, 282, 5, 1, resOffset);
            entry(b, 283, 5, 1, resOffset + 8);
            entry(b, 296, 3, 1, unit);
        }
        b.putInt(0);
        b.putShort((short) 8).putShort((short) 8).putShort((short) 8);
        if (pixelsPerUnit != null) {
            int numerator = (int) Math.round(pixelsPerUnit * 1000);
            b.putInt(numerator).putInt(1000).putInt(numerator).putInt(1000);
        } else {
            b.put(new byte[16]);
        }
        b.put(pixels);
        Files.write(file, b.array());
        return file;
    }

    private static void entry(ByteBuffer b, int tag, int type, int count, int value) {
        b.putShort((short) tag).putShort((short) type).putInt(count);
        if (type == 3 && count == 1) {
            b.putShort((short) value).putShort((short) 0);
        } else {
            b.putInt(value);
        }
    }

    static byte[] bytes(BufferedImage image) {
        byte[] rgb = new byte[image.getWidth() * image.getHeight() * 3];
        ImageIoImage.copyRgb(image, rgb, image.getWidth(), 0, 0);
        return rgb;
    }

    static byte[] pngBytes(BufferedImage image) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ImageIO.write(image, "png", out);
        return out.toByteArray();
    }
}
