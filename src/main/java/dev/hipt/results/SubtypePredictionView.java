package dev.hipt.results;

import dev.hipt.model.SubtypePrediction;
import io.swagger.v3.oas.annotations.media.ArraySchema;
import io.swagger.v3.oas.annotations.media.Schema;
import java.util.List;

/** The subtype head's prediction. */
@Schema(description = "Subtype head output (HIPT_LGP_FC classifier).")
public record SubtypePredictionView(
        @Schema(description = "Class names in logit order (hipt.model.subtype-classes)") List<String> classes,
        @ArraySchema(schema = @Schema(type = "number", format = "float"),
                arraySchema = @Schema(description = "Raw logits, one per class")) float[] logits,
        @ArraySchema(schema = @Schema(type = "number", format = "float"),
                arraySchema = @Schema(description = "softmax(logits)")) float[] probabilities,
        @Schema(description = "The most probable class") String label) {

    static SubtypePredictionView of(SubtypePrediction p) {
        return p == null ? null : new SubtypePredictionView(p.classes(), p.logits(), p.probabilities(), p.label());
    }
}
