package dev.hipt.viewer;

import dev.hipt.results.RegionResult;
import java.util.OptionalDouble;
import java.util.function.Function;

/**
 * A heatmap layer drawn over the slide: one score per region, in [0, 1], coloured with the jet colour map as HIPT's
 * figures are (blue low, red high); regions without a score and the area outside every region stay transparent.
 *
 * @param name        the layer's name in URLs
 * @param title       what the viewer calls it
 * @param description what the score is
 */
record OverlayLayer(String name, String title, String description,
                    Function<RegionResult, OptionalDouble> score) {

    static final OverlayLayer TISSUE_FRACTION = new OverlayLayer("tissue-fraction", "Tissue fraction",
            "Share of the region's area that the tissue mask covers, 0 to 1",
            region -> OptionalDouble.of(region.tissueFraction()));

    /** Jet colour map of {@code v} in [0, 1] as 0xRRGGBB: dark blue, blue, cyan, yellow, red, dark red. */
    static int jet(double v) {
        double t = Math.max(0, Math.min(1, v));
        int r = channel(1.5 - Math.abs(4 * t - 3));
        int g = channel(1.5 - Math.abs(4 * t - 2));
        int b = channel(1.5 - Math.abs(4 * t - 1));
        return r << 16 | g << 8 | b;
    }

    private static int channel(double value) {
        return (int) Math.round(255 * Math.max(0, Math.min(1, value)));
    }
}
