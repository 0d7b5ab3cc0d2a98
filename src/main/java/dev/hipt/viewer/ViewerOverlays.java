package dev.hipt.viewer;

import io.swagger.v3.oas.annotations.media.Schema;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * Answer of {@code GET /api/v1/slides/{id}/overlays}: the heatmap layers of the slide's newest analysis and its
 * region grid with each region's scores.
 *
 * @param slideId      the slide
 * @param modelVersion the model version of the analysis
 * @param layers       the layers, each served as Deep Zoom at {@code /api/v1/slides/{id}/overlays/{name}/dzi}
 * @param regions      the analysed regions in index order, level-0 pixels
 */
@Schema(description = "Heatmap layers and the region grid of the slide's newest analysis.")
public record ViewerOverlays(UUID slideId, String modelVersion, List<Layer> layers, List<RegionScores> regions) {

    /**
     * One heatmap layer.
     *
     * @param name        its name in URLs
     * @param title       a short title
     * @param description what its score is
     * @param min         the score drawn dark blue
     * @param max         the score drawn dark red
     */
    public record Layer(String name, String title, String description, double min, double max) {
    }

    /**
     * One region of the grid.
     *
     * @param index  its index in the analysis (the order of /embeddings)
     * @param x      level-0 x of its top-left corner
     * @param y      level-0 y of its top-left corner
     * @param width  level-0 width
     * @param height level-0 height
     * @param scores the region's score in each layer, by layer name
     */
    public record RegionScores(int index, long x, long y, long width, long height, Map<String, Double> scores) {
    }
}
