package dev.hipt.wsi;

/**
 * Readers that know which pixels are empty (outside the slide, or transparent in OpenSlide's output) and can fill
 * them with white instead of black. {@link RegionReader} uses it for its white-background option.
 */
interface BackgroundFill {

    /** As {@link WholeSlideImage#readRegion}, with empty pixels white when {@code white} is set. */
    RgbImage readRegion(int level, long x, long y, int width, int height, boolean white);
}
