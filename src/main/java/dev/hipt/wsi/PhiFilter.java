package dev.hipt.wsi;

import java.util.Collections;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Pattern;

/**
 * The allowlist of slide properties the service may keep, show or log. Everything not named here is dropped, so
 * fields that can carry names, dates or barcodes ({@code aperio.Filename}, {@code aperio.User},
 * {@code openslide.comment}, {@code tiff.ImageDescription}, vendor barcode fields, associated-image properties)
 * never leave this package, whatever vendor adds next.
 */
final class PhiFilter {

    private static final Set<String> ALLOWED_KEYS = Set.of(
            "openslide.vendor",
            "openslide.mpp-x",
            "openslide.mpp-y",
            "openslide.objective-power",
            "openslide.level-count",
            "openslide.bounds-x",
            "openslide.bounds-y",
            "openslide.bounds-width",
            "openslide.bounds-height",
            "openslide.background-color",
            "aperio.AppMag",
            "aperio.MPP",
            "hamamatsu.SourceLens",
            "ventana.Magnification",
            "ventana.ScanRes",
            "tiff.XResolution",
            "tiff.YResolution",
            "tiff.ResolutionUnit");

    private static final Pattern ALLOWED_LEVEL_KEY =
            Pattern.compile("openslide\\.level\\[\\d{1,3}]\\.(width|height|downsample|tile-width|tile-height)");

    /** Values longer than this are not numbers or short codes and are dropped even under an allowed key. */
    private static final int MAX_VALUE_LENGTH = 64;

    private PhiFilter() {
    }

    static boolean isAllowed(String key) {
        return key != null && (ALLOWED_KEYS.contains(key) || ALLOWED_LEVEL_KEY.matcher(key).matches());
    }

    /** The allowed entries of {@code properties}, sorted by key, unmodifiable. */
    static Map<String, String> filter(Map<String, String> properties) {
        Map<String, String> kept = new TreeMap<>();
        properties.forEach((key, value) -> {
            if (isAllowed(key) && value != null && value.length() <= MAX_VALUE_LENGTH) {
                kept.put(key, value);
            }
        });
        return Collections.unmodifiableMap(kept);
    }
}
