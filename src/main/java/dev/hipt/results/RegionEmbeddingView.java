package dev.hipt.results;

import io.swagger.v3.oas.annotations.media.ArraySchema;
import io.swagger.v3.oas.annotations.media.Schema;

/** One analysed 4096 x 4096 (20x) region and its HIPT embeddings. */
@Schema(description = "One analysed region (4096 x 4096 pixels at 20x) with its HIPT embeddings; "
        + "position and size are in level-0 pixels of the slide.")
public record RegionEmbeddingView(
        @Schema(description = "Region index in the slide's region grid; also its row in the patches .npy") int index,
        @Schema(description = "Left edge, level-0 pixels") long x,
        @Schema(description = "Top edge, level-0 pixels") long y,
        @Schema(description = "Width, level-0 pixels") long width,
        @Schema(description = "Height, level-0 pixels") long height,
        @Schema(description = "Fraction of the region covered by tissue, 0..1") double tissueFraction,
        @ArraySchema(schema = @Schema(type = "number", format = "float"),
                arraySchema = @Schema(description = "ViT-4K CLS token [192]")) float[] cls4k,
        @ArraySchema(schema = @Schema(type = "number", format = "float"),
                arraySchema = @Schema(description = "Mean of the region's ViT-256 CLS tokens [384]")) float[] mean256) {
}
