package dev.hipt.training;

import io.swagger.v3.oas.annotations.media.Schema;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * A checkpoint in the model registry.
 *
 * @param id              the registry's id of the model
 * @param kind            what it is
 * @param name            a label for people
 * @param sha256          hex SHA-256 of the registered file
 * @param sizeBytes       the file's size
 * @param source          {@code upload}, {@code config}, {@code path}, {@code training-job:<id>} or
 *                        {@code pretraining-job:<id>}
 * @param createdAt       when it was registered
 * @param classes         subtype heads: class names in logit order; else empty
 * @param timeBins        survival heads: bin edges in months; else empty
 * @param trainingMetrics validation metrics when it was trained here; else empty
 * @param active          whether it is the active model of its kind
 */
@Schema(description = "A checkpoint in the model registry.")
public record RegisteredModel(
        @Schema(description = "The registry's id of the model") UUID id,
        @Schema(description = "What the checkpoint is", allowableValues = {"vit256", "vit4k", "subtype", "survival"})
        ModelKind kind,
        @Schema(description = "A label for people, e.g. the uploaded file name") String name,
        @Schema(description = "Hex SHA-256 of the registered file") String sha256,
        @Schema(description = "Size of the registered file in bytes") long sizeBytes,
        @Schema(description = "Where it came from: upload, path, config (hipt.model.* at start-up), "
                + "training-job:<id>, pretraining-job:<id>") String source,
        @Schema(description = "When it was registered") Instant createdAt,
        @Schema(description = "Subtype heads: class names in logit order; empty for other kinds")
        List<String> classes,
        @Schema(description = "Survival heads: time-bin edges in months; empty for other kinds")
        List<Double> timeBins,
        @Schema(description = "Validation metrics when the model was trained by this service; empty otherwise")
        Map<String, Object> trainingMetrics,
        @Schema(description = "Whether it is the active model of its kind") boolean active) {
}
