package dev.hipt.results;

import io.swagger.v3.oas.annotations.media.Schema;
import java.util.List;
import java.util.UUID;

/** Answer of {@code GET /api/v1/slides/{id}/similar}. */
@Schema(description = "Analysed slides nearest to this one by cosine similarity of the slide embedding (meanCls4k), "
        + "among results of the same model version.")
public record SimilarSlides(
        UUID slideId,
        @Schema(description = "Model version the comparison used (the slide's newest analysis)") String modelVersion,
        @Schema(description = "Most similar first; the slide itself is left out") List<SimilarSlide> similar) {

    /** One neighbour. */
    @Schema(name = "SimilarSlide", description = "A neighbouring slide and its cosine similarity.")
    public record SimilarSlide(UUID slideId,
                               @Schema(description = "Cosine similarity of meanCls4k, -1..1") double cosine) {
    }
}
