package dev.hipt.slide;

import java.text.Normalizer;

/** Makes a client-given file name safe as a blob key segment and for display. */
final class Filenames {

    static final int MAX_LENGTH = 120;

    private Filenames() {
    }

    /**
     * The last path segment, reduced to ASCII letters, digits, {@code . _ -}; never empty, never starting with a
     * dot, at most {@value #MAX_LENGTH} characters with the extension kept.
     */
    static String sanitise(String name) {
        String base = name == null ? "" : name;
        int slash = Math.max(base.lastIndexOf('/'), base.lastIndexOf('\\'));
        base = base.substring(slash + 1);
        base = Normalizer.normalize(base, Normalizer.Form.NFKD).replaceAll("\\p{M}", "");
        base = base.replaceAll("[^A-Za-z0-9._-]", "_").replaceAll("_+", "_").replaceAll("\\.{2,}", ".");
        base = base.replaceAll("^[._-]+", "");
        if (base.isEmpty()) {
            base = "slide";
        }
        if (base.length() > MAX_LENGTH) {
            int dot = base.lastIndexOf('.');
            String extension = dot > 0 && base.length() - dot <= 16 ? base.substring(dot) : "";
            base = base.substring(0, MAX_LENGTH - extension.length()) + extension;
        }
        return base;
    }

    /** The extension including its dot, e.g. {@code .svs}, or empty. */
    static String extension(String sanitised) {
        int dot = sanitised.lastIndexOf('.');
        return dot > 0 ? sanitised.substring(dot) : "";
    }
}
