package dev.hipt.results;

import io.swagger.v3.oas.annotations.media.Schema;
import java.util.Map;
import java.util.Optional;

/**
 * Which models made a result, as the API shows it.
 *
 * @param modelVersion short id of the checkpoint set
 * @param untrained    true for results of seeded random demo weights
 * @param checkpoints  role to hex sha256 of the checkpoint file
 * @param modelIds     role to the registered model's id
 * @param precision    the number format the ViTs computed in; null for results stored before it was recorded
 * @param backboneActive     whether {@code modelVersion} is the active backbone's; null when none is active
 * @param activeModelVersion the active backbone's model version; null when none is active
 */
@Schema(description = "Which models made a result.")
public record ModelProvenance(
        @Schema(description = "Short stable id of the backbone (ViT-256 and ViT-4K), derived from their sha256s: "
                + "heads do not change it",
                example = "3f9a1c2be07d") String modelVersion,
        @Schema(description = "True when the result comes from seeded random demo weights "
                + "(hipt.model.demo-random-weights): it means nothing medically") boolean untrained,
        @Schema(description = "Checkpoint role (vit256, vit4k, subtype, survival) to the hex sha256 of the file "
                + "that was loaded; empty for demo weights") Map<String, String> checkpoints,
        @Schema(description = "Checkpoint role (vit256, vit4k, subtype, survival) to the id of the registered model "
                + "that made the result (GET /api/v1/admin/models/{id}); empty for results made before the registry "
                + "and for demo weights") Map<String, String> modelIds,
        @Schema(description = "The number format the ViT-256 and ViT-4K computed in (hipt.model.precision, auto "
                + "resolved for the device): fp32, bf16 or fp16; LayerNorm, softmax statistics, the residual stream "
                + "and the outputs are float32 in every case. Null for results stored before it was recorded",
                example = "bf16", nullable = true,
                requiredMode = Schema.RequiredMode.REQUIRED) String precision,
        @Schema(description = "False when the backbone that made these embeddings (modelVersion) is not the active "
                + "one: POST /api/v1/slides/{id}/predictions answers 409 BACKBONE_NOT_ACTIVE for them, and "
                + "reanalysing the slide (POST /api/v1/slides with reanalyse=true) encodes it with the active "
                + "backbone. Null when no ViT-256 and ViT-4K are active in the model registry (demo weights, "
                + "no checkpoints configured)", nullable = true,
                requiredMode = Schema.RequiredMode.REQUIRED) Boolean backboneActive,
        @Schema(description = "The model version of the backbone that is active now (the registry's active ViT-256 "
                + "and ViT-4K); null when none is", example = "3f9a1c2be07d", nullable = true,
                requiredMode = Schema.RequiredMode.REQUIRED) String activeModelVersion) {

    /** The provenance of a stored result, compared with the backbone active now. */
    static ModelProvenance of(Provenance p, Optional<String> activeModelVersion) {
        return new ModelProvenance(p.modelVersion(), p.untrained(), p.checkpointSha256(), p.modelIds(),
                p.precision(), activeModelVersion.map(p.modelVersion()::equals).orElse(null),
                activeModelVersion.orElse(null));
    }

    /** Whether these results come from a backbone other than the active one. */
    boolean staleBackbone() {
        return Boolean.FALSE.equals(backboneActive);
    }
}
