package dev.hipt.training.pretraining;

import java.util.List;
import java.util.UUID;

/**
 * A pretraining job's request with every default filled in and every value checked: what the job row stores and
 * every attempt of the job runs with.
 *
 * @param vit256ModelId stage 2: the frozen ViT-256 (a registered model); null in stage 1
 */
record PretrainingSettings(int stage, List<UUID> slideIds, int iterations, int batchSize, int outDim,
                           int localCrops, int globalCropSize, int localCropSize, int depth, UUID vit256ModelId,
                           int checkpointEvery, long seed, double minTissueFraction, String normalization,
                           PretrainingRequest.DinoOverrides hyperParameters) {

    PretrainingSettings {
        slideIds = List.copyOf(slideIds);
        if (hyperParameters == null) {
            hyperParameters = new PretrainingRequest.DinoOverrides(null, null, null, null, null, null, null, null,
                    null, null, null, null, null, null);
        }
    }

    /** The stage-1 or stage-2 multi-crop these settings ask for. */
    MultiCropSettings multiCrop() {
        MultiCropSettings d = stage == 1 ? MultiCropSettings.stage1Defaults() : MultiCropSettings.stage2Defaults();
        return new MultiCropSettings(globalCropSize, d.globalScaleMin(), d.globalScaleMax(), localCrops,
                localCropSize, d.localScaleMin(), d.localScaleMax(), d.dropout());
    }

    float[] mean() {
        return "imagenet".equals(normalization) ? ImageAugmentation.IMAGENET_MEAN : ImageAugmentation.HIPT_MEAN;
    }

    float[] std() {
        return "imagenet".equals(normalization) ? ImageAugmentation.IMAGENET_STD : ImageAugmentation.HIPT_STD;
    }
}
