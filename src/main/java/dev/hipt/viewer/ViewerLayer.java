package dev.hipt.viewer;

import dev.hipt.heatmap.OverlayLayer;
import dev.hipt.results.RegionResult;
import java.util.OptionalDouble;
import java.util.function.Function;

/**
 * A heatmap layer the viewer draws over the slide, opaque where a region was analysed and transparent elsewhere.
 * Either one score per region, coloured with the jet colour map (blue low, red high), or a layer drawn by the
 * {@code heatmap} feature's {@link dev.hipt.heatmap.SlideOverlays} (the ViT-4K attention: 16 x 16 cells per region,
 * HIPT's percentiles).
 *
 * @param name        the layer's name in URLs
 * @param title       what the viewer calls it
 * @param description what the score is
 * @param score       the region's score in [0, 1], for a per-region layer; {@code null} for a drawn one
 * @param drawn       the {@code heatmap} layer that draws it, or {@code null}
 */
record ViewerLayer(String name, String title, String description, Function<RegionResult, OptionalDouble> score,
                   OverlayLayer drawn) {

    static final ViewerLayer TISSUE_FRACTION = new ViewerLayer("tissue-fraction", "Tissue fraction",
            "Share of the region's area that the tissue mask covers, 0 to 1",
            region -> OptionalDouble.of(region.tissueFraction()), null);

    static final ViewerLayer ATTENTION_4K = new ViewerLayer("attention4k", "ViT-4K attention (head 0)",
            "The ViT-4K CLS token's attention over each region's 16 x 16 grid of 256-pixel patches, head 0, as"
                    + " HIPT's percentiles (0 to 100), jet colours",
            null, OverlayLayer.of(OverlayLayer.ATTENTION_4K, 0, null, "jet"));

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
