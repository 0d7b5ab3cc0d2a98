package dev.hipt.results;

import java.util.Map;

/**
 * Which models made a result.
 *
 * @param modelVersion     a short stable id of the backbone (derived from the ViT-256 and ViT-4K sha256s); region
 *                         results are unique per (slide, region, modelVersion), so a new head never re-encodes one
 * @param untrained        true when the results come from seeded random weights ({@code hipt.model.demo-random-weights})
 * @param checkpointSha256 role ({@code vit256}, {@code vit4k}, {@code subtype}, {@code survival}) to the hex sha256 of
 *                         the file that was loaded
 * @param modelIds         role to the id of the registered model that was loaded (the model registry); empty for
 *                         models loaded from {@code hipt.model.*} alone and for demo weights
 */
public record Provenance(String modelVersion, boolean untrained, Map<String, String> checkpointSha256,
                         Map<String, String> modelIds) {

    public Provenance {
        checkpointSha256 = checkpointSha256 == null ? Map.of() : checkpointSha256;
        modelIds = modelIds == null ? Map.of() : modelIds;
    }

    /** Provenance of models that are not in the registry. */
    public Provenance(String modelVersion, boolean untrained, Map<String, String> checkpointSha256) {
        this(modelVersion, untrained, checkpointSha256, Map.of());
    }
}
