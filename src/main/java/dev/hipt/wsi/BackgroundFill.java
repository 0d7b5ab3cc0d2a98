package dev.hipt.wsi;

/**
 * Readers that know which pixels are empty (outside the slide, or transparent in OpenSlide's output) and can fill
 * them with white instead of black. {@link RegionReader} uses it for its white-background option.
 */
interface BackgroundFill extends WholeSlideImage {

    /** As {@link WholeSlideImage#readRegion}, with empty pixels white when {@code white} is set. */
    RgbImage readRegion(int level, long x, long y, int width, int height, boolean white);

    /** Empty pixels come out black, as OpenSlide's {@code read_region} plus RGBA-to-RGB gives them. */
    @Override
    default RgbImage readRegion(int level, long x, long y, int width, int height) {
        return readRegion(level, x, y, width, height, false);
    }
}
