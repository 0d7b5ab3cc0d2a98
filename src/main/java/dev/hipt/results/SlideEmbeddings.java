package dev.hipt.results;

import io.swagger.v3.oas.annotations.media.Schema;
import java.util.List;
import java.util.UUID;

/** Answer of {@code GET /api/v1/slides/{id}/embeddings}. */
@Schema(description = "Region and slide embeddings of the slide's newest analysis.")
public record SlideEmbeddings(
        UUID slideId,
        ModelProvenance provenance,
        @Schema(description = "Regions in index order, the order of /embeddings/patches") List<RegionEmbeddingView> regions,
        SlideEmbeddingView slide) {
}
