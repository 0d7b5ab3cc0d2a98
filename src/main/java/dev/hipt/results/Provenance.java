package dev.hipt.results;

import java.util.Map;

/**
 * Which models made a result.
 *
 * @param modelVersion     a short stable id of the checkpoint set (derived from their sha256s); region results are
 *                         unique per (slide, region, modelVersion)
 * @param untrained        true when the results come from seeded random weights ({@code hipt.model.demo-random-weights})
 * @param checkpointSha256 role ({@code vit256}, {@code vit4k}, {@code subtype}, {@code survival}) to the hex sha256 of
 *                         the file that was loaded
 * @param precision        the number format the ViTs computed in ({@code fp32}, {@code bf16}, {@code fp16};
 *                         {@code hipt.model.precision} resolved for the device); {@code null} for results stored
 *                         before it was recorded
 */
public record Provenance(String modelVersion, boolean untrained, Map<String, String> checkpointSha256,
                         String precision) {

    /** A provenance whose precision is not known. */
    public Provenance(String modelVersion, boolean untrained, Map<String, String> checkpointSha256) {
        this(modelVersion, untrained, checkpointSha256, null);
    }
}
