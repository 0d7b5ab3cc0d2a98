package dev.hipt.results;

import io.swagger.v3.oas.annotations.media.ArraySchema;
import io.swagger.v3.oas.annotations.media.Schema;

/** The slide-level embedding. */
@Schema(description = "Slide-level embedding.")
public record SlideEmbeddingView(
        @Schema(description = "How many regions were analysed") int regions,
        @ArraySchema(schema = @Schema(type = "number", format = "float"),
                arraySchema = @Schema(description = "Mean of the regions' cls4k vectors [192]; "
                        + "used by /similar")) float[] meanCls4k) {
}
