package dev.hipt.wsi;

/** Decides a slide's microns per pixel: an explicit override wins, then the file's own value. */
public final class MppResolver {

    private MppResolver() {
    }

    /**
     * Resolves the MPP of {@code metadata}'s slide.
     *
     * @param override the caller's value (e.g. the upload's {@code mpp} parameter), or {@code null}
     * @return the override (source {@code request}) or the file's value (source {@code file})
     * @throws SlideException           {@code MPP_UNKNOWN} when there is neither
     * @throws IllegalArgumentException when {@code override} is not {@link Mpp#plausible} (the upload refuses such
     *                                  values before they get here)
     */
    public static Mpp resolve(SlideMetadata metadata, Double override) {
        if (override != null) {
            if (!Mpp.plausible(override)) {
                throw new IllegalArgumentException("mpp must be between " + Mpp.MIN_PLAUSIBLE + " and "
                        + Mpp.MAX_PLAUSIBLE + " microns per pixel, got " + override);
            }
            return new Mpp(override, override, Mpp.FROM_REQUEST);
        }
        // A reader's value outside the plausible range counts as unknown: it would make the region grid absurd.
        Double x = metadata.mppX() != null && Mpp.plausible(metadata.mppX()) ? metadata.mppX() : null;
        Double y = metadata.mppY() != null && Mpp.plausible(metadata.mppY()) ? metadata.mppY() : null;
        if (x == null && y == null) {
            throw new SlideException(SlideErrorCode.MPP_UNKNOWN, "the " + metadata.format()
                    + " file does not state its microns per pixel; pass mpp in the upload");
        }
        return new Mpp(x != null ? x : y, y != null ? y : x, Mpp.FROM_FILE);
    }
}
