package dev.hipt.results;

import java.util.List;
import java.util.UUID;

/**
 * A slide's newest analysis as other features read it (heatmaps, exports): its regions in index order and its
 * slide-level result.
 *
 * @param regions the regions in index order; their {@code cls256} is loaded only when asked for
 */
public record AnalysedSlide(UUID slideId, Provenance provenance, List<RegionResult> regions, SlideResult result) {

    public String modelVersion() {
        return provenance.modelVersion();
    }
}
