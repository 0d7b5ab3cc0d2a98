package dev.hipt.wsi;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Objects;

/**
 * Opens slide and image files, choosing the reader by the file's content, never by its name:
 * <ul>
 *   <li>PNG and JPEG (by magic bytes) go to the pure-Java reader (ImageIO + TwelveMonkeys);</li>
 *   <li>whatever OpenSlide recognises ({@code openslide_detect_vendor}: Aperio SVS, Hamamatsu NDPI/VMS, MIRAX
 *       MRXS, Leica SCN, Ventana BIF, Philips/generic tiled TIFF, ...) goes to OpenSlide;</li>
 *   <li>other TIFFs (stripped, single image; II*, MM*, BigTIFF) go to the pure-Java reader;</li>
 *   <li>anything else, including empty files, is {@link SlideErrorCode#UNSUPPORTED_FORMAT}.</li>
 * </ul>
 * A recognised file whose structure or pixels cannot be decoded gives {@link SlideErrorCode#CORRUPT_SLIDE},
 * when opening or when reading. When {@code libopenslide} is not installed, PNG, JPEG and plain TIFF still open
 * and other files are refused with a message saying to install {@code libopenslide0}.
 */
public final class WholeSlideImages {

    private WholeSlideImages() {
    }

    /**
     * Opens {@code file}; the caller closes the result.
     *
     * @throws SlideException           {@code UNSUPPORTED_FORMAT} or {@code CORRUPT_SLIDE}
     * @throws IllegalArgumentException when {@code file} is not a readable regular file
     */
    public static WholeSlideImage open(Path file) {
        return open(file, OpenSlideLibrary.isAvailable());
    }

    /** {@link #open(Path)} as if OpenSlide were (not) installed. */
    static WholeSlideImage open(Path file, boolean openSlide) {
        Objects.requireNonNull(file, "file");
        if (!Files.isRegularFile(file) || !Files.isReadable(file)) {
            throw new IllegalArgumentException("not a readable file: " + file.getFileName());
        }
        byte[] head = head(file);
        if (head.length == 0) {
            throw new SlideException(SlideErrorCode.UNSUPPORTED_FORMAT, "the file is empty");
        }
        Magic magic = Magic.of(head);
        if (magic == Magic.PNG || magic == Magic.JPEG) {
            return ImageIoImage.open(file, magic.format);
        }
        if (openSlide && OpenSlideImage.detectVendor(file) != null) {
            return OpenSlideImage.open(file);
        }
        if (magic == Magic.TIFF) {
            if (!openSlide && ImageIoImage.isTiledTiff(file)) {
                throw new SlideException(SlideErrorCode.UNSUPPORTED_FORMAT, "a tiled (pyramidal) TIFF needs "
                        + "OpenSlide, which is not installed: install the package libopenslide0");
            }
            return ImageIoImage.open(file, magic.format);
        }
        throw new SlideException(SlideErrorCode.UNSUPPORTED_FORMAT, "not a slide or image format this service "
                + "reads (whole-slide formats OpenSlide knows, PNG, JPEG, TIFF)"
                + (openSlide ? "" : "; OpenSlide is not installed (package libopenslide0), so only PNG, JPEG "
                + "and plain TIFF are recognised"));
    }

    /** Whether the OpenSlide library could be loaded; without it only PNG, JPEG and plain TIFF open. */
    public static boolean openSlideAvailable() {
        return OpenSlideLibrary.isAvailable();
    }

    /** OpenSlide's version string, e.g. {@code 3.4.1}, or {@code null} when the library is not installed. */
    public static String openSlideVersion() {
        return OpenSlideLibrary.isAvailable() ? OpenSlideLibrary.get().openslide_get_version() : null;
    }

    private static byte[] head(Path file) {
        try (InputStream in = Files.newInputStream(file)) {
            return in.readNBytes(16);
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot read " + file.getFileName(), e);
        }
    }

    /** File types told apart by their first bytes. */
    enum Magic {
        PNG("png"), JPEG("jpeg"), TIFF("tiff"), OTHER(null);

        final String format;

        Magic(String format) {
            this.format = format;
        }

        static Magic of(byte[] h) {
            if (h.length >= 8 && (h[0] & 0xff) == 0x89 && h[1] == 'P' && h[2] == 'N' && h[3] == 'G'
                    && h[4] == 0x0d && h[5] == 0x0a && h[6] == 0x1a && h[7] == 0x0a) {
                return PNG;
            }
            if (h.length >= 3 && (h[0] & 0xff) == 0xff && (h[1] & 0xff) == 0xd8 && (h[2] & 0xff) == 0xff) {
                return JPEG;
            }
            if (h.length >= 4 && ((h[0] == 'I' && h[1] == 'I' && (h[2] == 42 || h[2] == 43) && h[3] == 0)
                    || (h[0] == 'M' && h[1] == 'M' && h[2] == 0 && (h[3] == 42 || h[3] == 43)))) {
                return TIFF;
            }
            return OTHER;
        }
    }
}
