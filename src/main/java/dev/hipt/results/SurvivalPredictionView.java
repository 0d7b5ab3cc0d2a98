package dev.hipt.results;

import dev.hipt.model.SurvivalPrediction;
import io.swagger.v3.oas.annotations.media.ArraySchema;
import io.swagger.v3.oas.annotations.media.Schema;

/** The survival head's prediction over its discrete time bins. */
@Schema(description = "Survival head output over discrete time bins (HIPT_LGP_FC, 4 bins in HIPT).")
public record SurvivalPredictionView(
        @ArraySchema(schema = @Schema(type = "number", format = "float"),
                arraySchema = @Schema(description = "Raw logits, one per time bin")) float[] logits,
        @ArraySchema(schema = @Schema(type = "number", format = "float"),
                arraySchema = @Schema(description = "sigmoid(logits)")) float[] hazards,
        @ArraySchema(schema = @Schema(type = "number", format = "float"),
                arraySchema = @Schema(description = "S_k = prod_{j<=k} (1 - hazard_j)")) float[] survival,
        @Schema(description = "-sum_k S_k; higher means higher risk") double risk) {

    static SurvivalPredictionView of(SurvivalPrediction p) {
        return p == null ? null : new SurvivalPredictionView(p.logits(), p.hazards(), p.survival(), p.risk());
    }
}
