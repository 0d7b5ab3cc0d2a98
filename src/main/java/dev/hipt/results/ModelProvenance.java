package dev.hipt.results;

import io.swagger.v3.oas.annotations.media.Schema;
import java.util.Map;

/**
 * Which models made a result, as the API shows it.
 *
 * @param modelVersion short id of the checkpoint set
 * @param untrained    true for results of seeded random demo weights
 * @param checkpoints  role to hex sha256 of the checkpoint file
 * @param modelIds     role to the registered model's id
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
                + "and for demo weights") Map<String, String> modelIds) {

    static ModelProvenance of(Provenance p) {
        return new ModelProvenance(p.modelVersion(), p.untrained(), p.checkpointSha256(), p.modelIds());
    }
}
