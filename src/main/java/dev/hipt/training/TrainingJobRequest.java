package dev.hipt.training;

import io.swagger.v3.oas.annotations.media.Schema;
import java.util.UUID;

/**
 * {@code POST /api/v1/admin/training-jobs}: what to train on, and how; every option has HIPT's default.
 *
 * @param task         {@code subtype} or {@code survival}
 * @param labelSetId   the label set to train on
 * @param epochs       the most epochs (1 to 1000)
 * @param freezeVit4k  keep the active ViT-4K's weights in the head's {@code local_vit} (default true)
 */
public record TrainingJobRequest(
        @Schema(requiredMode = Schema.RequiredMode.REQUIRED) HeadTask task,
        @Schema(requiredMode = Schema.RequiredMode.REQUIRED) UUID labelSetId,
        @Schema(requiredMode = Schema.RequiredMode.REQUIRED) Integer epochs,
        @Schema(nullable = true, description = "AdamW learning rate, default 2e-4") Double learningRate,
        @Schema(nullable = true, description = "AdamW weight decay, default 1e-5") Double weightDecay,
        @Schema(nullable = true, description = "slides per optimiser step, default 32") Integer accumulationSteps,
        @Schema(nullable = true, description = "share held out per stratum, default 0.25") Double validationFraction,
        @Schema(nullable = true, description = "seeds initialisation, split and order, default 1") Long seed,
        @Schema(nullable = true, description = "epochs without a lower validation loss before stopping, default 10")
        Integer patience,
        @Schema(nullable = true, description = "default true") Boolean freezeVit4k) {

    /** The options, defaults filled in; a value out of range is an {@link IllegalArgumentException}. */
    TrainingOptions options() {
        if (epochs == null) {
            throw new IllegalArgumentException("epochs is required");
        }
        return new TrainingOptions(epochs,
                learningRate == null ? TrainingOptions.DEFAULT_LEARNING_RATE : learningRate,
                weightDecay == null ? TrainingOptions.DEFAULT_WEIGHT_DECAY : weightDecay,
                accumulationSteps == null ? TrainingOptions.DEFAULT_ACCUMULATION_STEPS : accumulationSteps,
                validationFraction == null ? TrainingOptions.DEFAULT_VALIDATION_FRACTION : validationFraction,
                seed == null ? TrainingOptions.DEFAULT_SEED : seed,
                patience == null ? TrainingOptions.DEFAULT_PATIENCE : patience,
                freezeVit4k == null || freezeVit4k);
    }
}
