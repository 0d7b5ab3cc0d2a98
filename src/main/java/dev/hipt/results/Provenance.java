package dev.hipt.results;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
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
 * @param precision        the number format the ViTs computed in ({@code fp32}, {@code bf16}, {@code fp16};
 *                         {@code hipt.model.precision} resolved for the device); {@code null} for results stored
 *                         before it was recorded
 */
public record Provenance(String modelVersion, boolean untrained, Map<String, String> checkpointSha256,
                         Map<String, String> modelIds, String precision) {

    public Provenance {
        checkpointSha256 = checkpointSha256 == null ? Map.of() : checkpointSha256;
        modelIds = modelIds == null ? Map.of() : modelIds;
    }

    /** Provenance of models that are not in the registry, in an unknown precision. */
    public Provenance(String modelVersion, boolean untrained, Map<String, String> checkpointSha256) {
        this(modelVersion, untrained, checkpointSha256, Map.of(), null);
    }

    /** The same models, recorded with the precision they computed in. */
    public Provenance withPrecision(String precision) {
        return new Provenance(modelVersion, untrained, checkpointSha256, modelIds, precision);
    }

    /** The same models, recorded with the registered ids they were loaded as. */
    public Provenance withModelIds(Map<String, String> modelIds) {
        return new Provenance(modelVersion, untrained, checkpointSha256, modelIds, precision);
    }

    /**
     * The model version that names a backbone: the first 12 hex digits of the sha256 over the ViT-256 and ViT-4K
     * checkpoints' sha256s, so the same files always give the same version and any other backbone file a different
     * one. Heads do not enter it: region embeddings belong to the backbone alone, and a new head never re-encodes a
     * region. The model provider stamps it on every result; the model registry derives the active one from it.
     */
    public static String backboneVersion(String vit256Sha256, String vit4kSha256) {
        String text = "vit256=" + vit256Sha256 + "\nvit4k=" + vit4kSha256 + "\n";
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(digest, 0, 6);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
