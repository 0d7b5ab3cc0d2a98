package dev.hipt.training.pretraining;

import io.swagger.v3.oas.annotations.media.Schema;

import java.util.List;
import java.util.UUID;

/**
 * What an administrator asks of a pretraining job. Only {@code stage} and {@code iterations} are required; every
 * other field defaults to DINO's and HIPT's values (null means the default).
 */
@Schema(description = "A DINO pretraining job: stage 1 trains ViT-256/16 on 256 x 256 tissue patches at 20x, stage 2 "
        + "trains ViT-4K/256 on the [384 x 16 x 16] ViT-256 token grids of 4096 x 4096 regions. Null fields take "
        + "the defaults of DINO and HIPT.")
public record PretrainingRequest(
        @Schema(description = "1 (ViT-256 on patches) or 2 (ViT-4K on ViT-256 token grids)",
                requiredMode = Schema.RequiredMode.REQUIRED, example = "1") Integer stage,
        @Schema(description = "Stored slides to train on; null or empty: every stored slide", nullable = true)
        List<UUID> slideIds,
        @Schema(description = "Training iterations (optimizer steps), 1 to 10,000,000",
                requiredMode = Schema.RequiredMode.REQUIRED, example = "1000") Integer iterations,
        @Schema(description = "Samples per iteration, 1 to 4096; default 64", nullable = true) Integer batchSize,
        @Schema(description = "DINO head output dimension, 2 to 262144; default 65536", nullable = true)
        Integer outDim,
        @Schema(description = "Local views per sample, 0 to 64; default 8", nullable = true) Integer localCrops,
        @Schema(description = "Side of the 2 global views: pixels (stage 1, default 224, a multiple of 16 up to "
                + "256) or grid cells (stage 2, default 14, at most 16)", nullable = true) Integer globalCropSize,
        @Schema(description = "Side of the local views: pixels (stage 1, default 96, a multiple of 16 up to 256) or "
                + "grid cells (stage 2, default 6, at most 16)", nullable = true) Integer localCropSize,
        @Schema(description = "Transformer blocks of the trained ViT, 1 to 24; default 12 (ViT-256) or 6 (ViT-4K)",
                nullable = true) Integer depth,
        @Schema(description = "Stage 2: the registered ViT-256 whose token grids are trained on (frozen); default "
                + "the active one", nullable = true) UUID vit256ModelId,
        @Schema(description = "Write a checkpoint every this many iterations (and at the end), 1 or more; default "
                + "100", nullable = true) Integer checkpointEvery,
        @Schema(description = "Seed of initialisation, sampling and augmentation; default 0", nullable = true)
        Long seed,
        @Schema(description = "Stage 1: a patch is used when its tissue fraction is above this, in [0, 1); default "
                + "0.25 (stage 2 uses every region with tissue)", nullable = true) Double minTissueFraction,
        @Schema(description = "Stage 1 input normalisation: hipt (mean 0.5, std 0.5, what this service analyses "
                + "with; default) or imagenet (DINO's)", nullable = true, allowableValues = {"hipt", "imagenet"})
        String normalization,
        @Schema(description = "DINO hyper-parameters overriding the defaults", nullable = true)
        DinoOverrides hyperParameters) {

    /** DINO's hyper-parameters, each null for the default (DINO's {@code main_dino.py}, HIPT's settings). */
    @Schema(description = "DINO hyper-parameters; null fields keep the defaults")
    public record DinoOverrides(
            @Schema(nullable = true, description = "peak learning rate per 256 samples; default 5e-4") Double lr,
            @Schema(nullable = true, description = "final learning rate; default 1e-6") Double minLr,
            @Schema(nullable = true, description = "epochs of linear learning-rate warm-up; default 10")
            Integer warmupEpochs,
            @Schema(nullable = true, description = "initial weight decay; default 0.04") Double weightDecay,
            @Schema(nullable = true, description = "final weight decay; default 0.4") Double weightDecayEnd,
            @Schema(nullable = true, description = "teacher EMA momentum at the start; default 0.996")
            Double momentumTeacher,
            @Schema(nullable = true, description = "teacher temperature at the start; default 0.04")
            Double warmupTeacherTemp,
            @Schema(nullable = true, description = "teacher temperature after warm-up; default 0.04")
            Double teacherTemp,
            @Schema(nullable = true, description = "epochs of teacher temperature warm-up; default 0")
            Integer warmupTeacherTempEpochs,
            @Schema(nullable = true, description = "student temperature; default 0.1") Double studentTemp,
            @Schema(nullable = true, description = "center EMA momentum; default 0.9") Double centerMomentum,
            @Schema(nullable = true, description = "gradient-norm clip, 0 for none; default 3.0") Double clipGrad,
            @Schema(nullable = true, description = "epochs with the head's last layer frozen; default 1")
            Integer freezeLastLayerEpochs,
            @Schema(nullable = true, description = "stochastic depth rate; default 0.1") Double dropPathRate) {
    }
}
