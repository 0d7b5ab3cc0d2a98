package dev.hipt.results;

import io.swagger.v3.oas.annotations.media.Schema;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;

/**
 * Training-free subtyping by the nearest labelled slides, provided by the training feature (which owns label sets);
 * the predictions answer shows it beside the trained heads.
 */
public interface KnnSubtyping {

    /**
     * The kNN prediction for a slide from the active reference label set, comparing slide embeddings made by the
     * same model version; empty when no reference set is active or none of its slides is comparable.
     */
    Optional<Prediction> predict(UUID slideId, String modelVersion, float[] slideEmbedding);

    /**
     * @param k          neighbours asked for (fewer when the reference set has fewer comparable slides)
     * @param labelSetId the reference label set
     * @param label      the class most neighbours have; ties go to the class with the larger summed cosine
     * @param votes      neighbours per class
     * @param neighbours the nearest labelled slides, most similar first
     */
    @Schema(description = "kNN subtyping from the active reference label set: the k nearest labelled slides by"
            + " cosine similarity of slide embeddings (mean region cls4k)")
    record Prediction(int k, UUID labelSetId, String label, Map<String, Integer> votes, List<Neighbour> neighbours) {
    }

    record Neighbour(UUID slideId, String label, double cosine) {
    }
}
