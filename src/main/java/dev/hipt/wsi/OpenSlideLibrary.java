package dev.hipt.wsi;

import com.sun.jna.Library;
import com.sun.jna.Native;
import com.sun.jna.Pointer;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The C API of the operating system's OpenSlide ({@code libopenslide.so.0} from Debian's {@code libopenslide0},
 * or {@code libopenslide.so.1} from OpenSlide 4), bound through JNA. Loaded once, on first use; when it cannot be
 * loaded, {@link #get()} throws an {@link IllegalStateException} that says what to install, and the pure-Java
 * reader keeps working.
 */
interface OpenSlideLibrary extends Library {

    /** System property naming the library file or name to load instead of the defaults. */
    String LIBRARY_PROPERTY = "hipt.openslide.library";

    String openslide_get_version();

    String openslide_detect_vendor(String filename);

    Pointer openslide_open(String filename);

    void openslide_close(Pointer osr);

    String openslide_get_error(Pointer osr);

    int openslide_get_level_count(Pointer osr);

    void openslide_get_level_dimensions(Pointer osr, int level, long[] w, long[] h);

    double openslide_get_level_downsample(Pointer osr, int level);

    Pointer openslide_get_property_names(Pointer osr);

    String openslide_get_property_value(Pointer osr, String name);

    void openslide_read_region(Pointer osr, Pointer dest, long x, long y, int level, long w, long h);

    /** The loaded library; throws {@link IllegalStateException} naming the package to install when absent. */
    static OpenSlideLibrary get() {
        Holder.Loaded loaded = Holder.LOADED;
        if (loaded.library == null) {
            throw new IllegalStateException(loaded.failure);
        }
        return loaded.library;
    }

    /** Whether {@code libopenslide} could be loaded. */
    static boolean isAvailable() {
        return Holder.LOADED.library != null;
    }

    /** Lazy, thread-safe one-time loading (initialisation-on-demand holder). */
    final class Holder {

        private static final Loaded LOADED = load();

        private Holder() {
        }

        record Loaded(OpenSlideLibrary library, String failure) {
        }

        private static Loaded load() {
            List<String> candidates = new ArrayList<>();
            String configured = System.getProperty(LIBRARY_PROPERTY);
            if (configured != null && !configured.isBlank()) {
                candidates.add(configured);
            }
            candidates.addAll(List.of("libopenslide.so.0", "libopenslide.so.1", "openslide"));
            return load(candidates);
        }

        /** Tries each library name in turn; the failure text names the package to install. */
        static Loaded load(List<String> candidates) {
            Map<String, Object> options = Map.of(Library.OPTION_STRING_ENCODING, "UTF-8");
            List<String> failures = new ArrayList<>();
            for (String name : candidates) {
                try {
                    OpenSlideLibrary library = Native.load(name, OpenSlideLibrary.class, options);
                    library.openslide_get_version();
                    return new Loaded(library, null);
                } catch (UnsatisfiedLinkError | RuntimeException e) {
                    failures.add(name + ": " + e.getMessage());
                }
            }
            return new Loaded(null, "OpenSlide (libopenslide.so.0) could not be loaded, so whole-slide formats "
                    + "(SVS, NDPI, MRXS, SCN, BIF, VMS, tiled TIFF) cannot be read; install the operating system "
                    + "package libopenslide0 (Debian/Ubuntu: apt-get install libopenslide0) or set -D"
                    + LIBRARY_PROPERTY + " to the library file. Tried " + failures);
        }
    }
}
