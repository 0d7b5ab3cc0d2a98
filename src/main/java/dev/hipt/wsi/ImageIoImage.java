package dev.hipt.wsi;

import com.twelvemonkeys.imageio.metadata.CompoundDirectory;
import com.twelvemonkeys.imageio.metadata.Directory;
import com.twelvemonkeys.imageio.metadata.Entry;
import com.twelvemonkeys.imageio.metadata.tiff.TIFFReader;
import org.w3c.dom.NamedNodeMap;
import org.w3c.dom.Node;

import javax.imageio.ImageIO;
import javax.imageio.ImageReadParam;
import javax.imageio.ImageReader;
import javax.imageio.metadata.IIOMetadata;
import javax.imageio.spi.ImageReaderSpi;
import javax.imageio.stream.ImageInputStream;
import java.awt.Rectangle;
import java.awt.color.ColorSpace;
import java.awt.image.BufferedImage;
import java.awt.image.ComponentColorModel;
import java.awt.image.DataBuffer;
import java.awt.image.Raster;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A plain image (PNG, JPEG, non-pyramidal TIFF) read with ImageIO and TwelveMonkeys: one level, the first image
 * of the file. Each read opens its own stream and reader and asks only for the requested rectangle
 * ({@link ImageReadParam#setSourceRegion}), so reads are thread-safe and memory follows the region; nothing is
 * held open between reads. Samples are taken as stored (no colour management, alpha dropped), as PIL's
 * {@code convert("RGB")} does; pixels outside the image are black, or white on request.
 */
final class ImageIoImage implements BackgroundFill {

    private final Path file;
    private final ImageReaderSpi spi;
    private final SlideMetadata metadata;
    private volatile boolean closed;

    private ImageIoImage(Path file, ImageReaderSpi spi, SlideMetadata metadata) {
        this.file = file;
        this.spi = spi;
        this.metadata = metadata;
    }

    /**
     * Opens {@code file} of the given content {@code format} ({@code png}, {@code jpeg}, {@code tiff}).
     *
     * @throws SlideException {@code UNSUPPORTED_FORMAT} when no ImageIO reader takes the file,
     *                        {@code CORRUPT_SLIDE} when one does but cannot read its header
     */
    static ImageIoImage open(Path file, String format) {
        try (ImageInputStream in = ImageIO.createImageInputStream(file.toFile())) {
            if (in == null) {
                throw new SlideException(SlideErrorCode.UNSUPPORTED_FORMAT, "the file cannot be read as an image");
            }
            Iterator<ImageReader> readers = ImageIO.getImageReaders(in);
            if (!readers.hasNext()) {
                throw new SlideException(SlideErrorCode.UNSUPPORTED_FORMAT,
                        "no image reader recognises this " + format + " file");
            }
            ImageReader reader = readers.next();
            try {
                reader.setInput(in, true, false);
                int width = reader.getWidth(0);
                int height = reader.getHeight(0);
                if (width <= 0 || height <= 0) {
                    throw new SlideException(SlideErrorCode.CORRUPT_SLIDE, "the " + format + " image is empty");
                }
                Map<String, String> properties = new LinkedHashMap<>();
                Double mpp = switch (format) {
                    case "tiff" -> tiffMpp(in, properties);
                    case "png" -> pngMpp(reader);
                    case "jpeg" -> jpegMpp(reader);
                    default -> null;
                };
                SlideMetadata metadata = new SlideMetadata(format, format, width, height,
                        List.of(new Level(0, width, height, 1.0)), mpp, mpp, null, PhiFilter.filter(properties));
                return new ImageIoImage(file, reader.getOriginatingProvider(), metadata);
            } finally {
                reader.dispose();
            }
        } catch (IOException | RuntimeException e) {
            throw undecodable(format, file, e);
        }
    }

    /** A failure while decoding: a {@link SlideException} as it is, anything else as {@code CORRUPT_SLIDE}. */
    private static SlideException undecodable(String format, Path file, Exception e) {
        if (e instanceof SlideException slideException) {
            return slideException;
        }
        return new SlideException(SlideErrorCode.CORRUPT_SLIDE,
                "the " + format + " image cannot be decoded: " + describe(e, file), e);
    }

    /** The TIFF's first directory says it is tiled, i.e. a pyramid or tiled image meant for OpenSlide. */
    static boolean isTiledTiff(Path file) {
        try (ImageInputStream in = ImageIO.createImageInputStream(file.toFile())) {
            return in != null && firstDirectory(new TIFFReader().read(in)).getEntryById(322) != null;
        } catch (IOException | RuntimeException e) {
            return false;
        }
    }

    @Override
    public SlideMetadata metadata() {
        return metadata;
    }

    @Override
    public RgbImage readRegion(int level, long x, long y, int width, int height, boolean white) {
        if (level != 0) {
            throw new IllegalArgumentException("a plain image has only level 0, asked for " + level);
        }
        return readSubsampled(x, y, width, height, 1, white);
    }

    /**
     * Reads every {@code step}-th pixel of the level-0 rectangle at {@code (x, y)} of size
     * {@code width * step x height * step}, giving {@code width x height} pixels: a cheap low-resolution view
     * (nearest pixel, no averaging) for an image that has no pyramid.
     */
    RgbImage readSubsampled(long x, long y, int width, int height, int step, boolean white) {
        if (closed) {
            throw new IllegalStateException("image is closed");
        }
        if (step < 1) {
            throw new IllegalArgumentException("step must be >= 1, got " + step);
        }
        byte[] rgb = RegionBuffers.allocate(width, height);
        if (white) {
            Arrays.fill(rgb, (byte) 0xff);
        }
        // output columns/rows whose source pixel x + i * step lies inside the image
        long firstCol = Math.max(0, ceilDiv(-x, step));
        long lastCol = Math.min(width - 1L, floorDiv(metadata.width() - 1 - x, step));
        long firstRow = Math.max(0, ceilDiv(-y, step));
        long lastRow = Math.min(height - 1L, floorDiv(metadata.height() - 1 - y, step));
        if (firstCol > lastCol || firstRow > lastRow) {
            return new RgbImage(width, height, rgb);
        }
        int srcX = (int) (x + firstCol * step);
        int srcY = (int) (y + firstRow * step);
        int cols = (int) (lastCol - firstCol + 1);
        int rows = (int) (lastRow - firstRow + 1);
        BufferedImage image = decode(new Rectangle(srcX, srcY, (cols - 1) * step + 1, (rows - 1) * step + 1), step);
        if (image.getWidth() != cols || image.getHeight() != rows) {
            throw new SlideException(SlideErrorCode.CORRUPT_SLIDE, "the image decoder returned "
                    + image.getWidth() + "x" + image.getHeight() + " pixels instead of " + cols + "x" + rows);
        }
        copyRgb(image, rgb, width, (int) firstCol, (int) firstRow);
        return new RgbImage(width, height, rgb);
    }

    private BufferedImage decode(Rectangle source, int step) {
        try (ImageInputStream in = ImageIO.createImageInputStream(file.toFile())) {
            if (in == null) {
                throw new SlideException(SlideErrorCode.CORRUPT_SLIDE, "the image file can no longer be read");
            }
            ImageReader reader = spi.createReaderInstance();
            try {
                reader.setInput(in, true, true);
                ImageReadParam param = reader.getDefaultReadParam();
                param.setSourceRegion(source);
                if (step > 1) {
                    param.setSourceSubsampling(step, step, 0, 0);
                }
                return reader.read(0, param);
            } finally {
                reader.dispose();
            }
        } catch (IOException | RuntimeException e) {
            throw undecodable(metadata.format(), file, e);
        }
    }

    /** Copies {@code image} into the interleaved RGB {@code out} (row length {@code outWidth}) at (ox, oy). */
    static void copyRgb(BufferedImage image, byte[] out, int outWidth, int ox, int oy) {
        int w = image.getWidth();
        int h = image.getHeight();
        Raster raster = image.getRaster();
        int bands = raster.getNumBands();
        int transfer = raster.getTransferType();
        boolean rawSamples = image.getColorModel() instanceof ComponentColorModel
                && (transfer == DataBuffer.TYPE_BYTE || transfer == DataBuffer.TYPE_USHORT)
                && bands >= 1 && bands <= 4
                && image.getColorModel().getColorSpace().getType()
                == (bands <= 2 ? ColorSpace.TYPE_GRAY : ColorSpace.TYPE_RGB);
        int shift = transfer == DataBuffer.TYPE_USHORT ? 8 : 0;
        int[] samples = new int[w * bands];
        int[] argb = new int[w];
        for (int row = 0; row < h; row++) {
            int o = ((oy + row) * outWidth + ox) * 3;
            if (rawSamples) {
                raster.getPixels(0, row, w, 1, samples);
                for (int i = 0, s = 0; i < w; i++, s += bands) {
                    if (bands <= 2) {
                        byte v = (byte) (samples[s] >> shift);
                        out[o++] = v;
                        out[o++] = v;
                        out[o++] = v;
                    } else {
                        out[o++] = (byte) (samples[s] >> shift);
                        out[o++] = (byte) (samples[s + 1] >> shift);
                        out[o++] = (byte) (samples[s + 2] >> shift);
                    }
                }
            } else {
                image.getRGB(0, row, w, 1, argb, 0, w);
                for (int i = 0; i < w; i++) {
                    int p = argb[i];
                    out[o++] = (byte) (p >> 16);
                    out[o++] = (byte) (p >> 8);
                    out[o++] = (byte) p;
                }
            }
        }
    }

    private static Double tiffMpp(ImageInputStream in, Map<String, String> properties) throws IOException {
        in.seek(0);
        Directory ifd = firstDirectory(new TIFFReader().read(in));
        Double xRes = rational(ifd.getEntryById(282));
        Double yRes = rational(ifd.getEntryById(283));
        Entry unitEntry = ifd.getEntryById(296);
        int unitCode = unitEntry != null && unitEntry.getValue() instanceof Number n ? n.intValue() : 2;
        String unit = switch (unitCode) {
            case 2 -> "inch";
            case 3 -> "centimeter";
            default -> "none";
        };
        if (xRes != null) {
            properties.put("tiff.XResolution", String.valueOf(xRes));
        }
        if (yRes != null) {
            properties.put("tiff.YResolution", String.valueOf(yRes));
        }
        if (xRes != null || yRes != null) {
            properties.put("tiff.ResolutionUnit", unit);
        }
        Double mppX = SlideProperties.fromResolution(xRes, unit);
        Double mppY = SlideProperties.fromResolution(yRes, unit);
        return mppX != null ? mppX : mppY;
    }

    private static Directory firstDirectory(Directory directory) {
        return directory instanceof CompoundDirectory compound ? compound.getDirectory(0) : directory;
    }

    private static Double rational(Entry entry) {
        if (entry == null) {
            return null;
        }
        Object value = entry.getValue();
        if (value instanceof Object[] array && array.length > 0) {
            value = array[0];
        }
        return value instanceof Number n && Double.isFinite(n.doubleValue()) ? n.doubleValue() : null;
    }

    /** PNG pHYs in pixels per metre. */
    private static Double pngMpp(ImageReader reader) throws IOException {
        Node phys = child(nativeTree(reader, "javax_imageio_png_1.0"), "pHYs");
        if (phys == null || !"meter".equals(attribute(phys, "unitSpecifier"))) {
            return null;
        }
        Double perMetre = SlideProperties.positive(attribute(phys, "pixelsPerUnitXAxis"));
        return perMetre == null ? null : SlideProperties.plausible(1e6 / perMetre);
    }

    /** JPEG JFIF density: unit 1 dots per inch, 2 dots per centimetre. */
    private static Double jpegMpp(ImageReader reader) throws IOException {
        Node jfif = child(child(nativeTree(reader, "javax_imageio_jpeg_image_1.0"), "JPEGvariety"), "app0JFIF");
        if (jfif == null) {
            return null;
        }
        String unit = switch (String.valueOf(attribute(jfif, "resUnits"))) {
            case "1" -> "inch";
            case "2" -> "centimeter";
            default -> null;
        };
        return SlideProperties.fromResolution(SlideProperties.positive(attribute(jfif, "Xdensity")), unit);
    }

    private static Node nativeTree(ImageReader reader, String formatName) throws IOException {
        IIOMetadata md = reader.getImageMetadata(0);
        if (md == null) {
            return null;
        }
        for (String name : md.getMetadataFormatNames() == null ? new String[0] : md.getMetadataFormatNames()) {
            if (formatName.equals(name)) {
                return md.getAsTree(name);
            }
        }
        return null;
    }

    private static Node child(Node parent, String name) {
        if (parent == null) {
            return null;
        }
        for (Node n = parent.getFirstChild(); n != null; n = n.getNextSibling()) {
            if (name.equals(n.getNodeName())) {
                return n;
            }
        }
        return null;
    }

    private static String attribute(Node node, String name) {
        NamedNodeMap attributes = node.getAttributes();
        Node attribute = attributes == null ? null : attributes.getNamedItem(name);
        return attribute == null ? null : attribute.getNodeValue();
    }

    /** The exception in a few words, without the file path (an upload's name can carry PHI). */
    private static String describe(Throwable e, Path file) {
        String message = e.getMessage();
        String text = e.getClass().getSimpleName() + (message == null ? "" : ": " + message);
        text = text.replace(file.toAbsolutePath().toString(), "<slide file>").replace(file.toString(), "<slide file>");
        return text.length() > 300 ? text.substring(0, 300) + "..." : text;
    }

    private static long floorDiv(long a, long b) {
        return Math.floorDiv(a, b);
    }

    private static long ceilDiv(long a, long b) {
        return -Math.floorDiv(-a, b);
    }

    @Override
    public void close() {
        closed = true;
    }

    @Override
    public String toString() {
        return "ImageIoImage[" + metadata.format() + ", " + metadata.width() + "x" + metadata.height()
                + (closed ? ", closed" : "") + "]";
    }
}
