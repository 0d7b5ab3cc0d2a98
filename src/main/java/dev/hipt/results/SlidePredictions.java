package dev.hipt.results;

import io.swagger.v3.oas.annotations.media.Schema;
import java.util.UUID;

/** Answer of {@code GET /api/v1/slides/{id}/predictions}. */
@Schema(description = "Slide-level predictions of the slide's newest analysis. A head that was not configured "
        + "(or demo weights, which never predict) gives null, and note says why.")
public record SlidePredictions(
        UUID slideId,
        @Schema(nullable = true, description = "null when no subtype head was configured") SubtypePredictionView subtype,
        @Schema(nullable = true, description = "null when no survival head was configured") SurvivalPredictionView survival,
        @Schema(nullable = true, description = "Why a prediction is missing, and a warning when the results come from"
                + " a backbone that is no longer active (provenance.backboneActive false); null when neither")
        String note,
        ModelProvenance provenance,
        @Schema(nullable = true, description = "kNN subtyping from the active reference label set; null when none is"
                + " active") KnnSubtyping.Prediction knn) {
}
