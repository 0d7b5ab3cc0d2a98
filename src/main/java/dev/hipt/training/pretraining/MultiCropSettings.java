package dev.hipt.training.pretraining;

/**
 * DINO's multi-crop for one stage: two global views and {@code localCrops} local views per sample.
 *
 * <p>Stage 1 (images): views are random resized crops of a 256 x 256 patch, {@code globalSide} / {@code localSide}
 * pixels, taking a share of the patch's area drawn from {@code [globalScaleMin, globalScaleMax]} /
 * {@code [localScaleMin, localScaleMax]} (DINO: 224 px at 0.4-1, 96 px at 0.05-0.4). Stage 2 (ViT-256 token grids):
 * views are random {@code globalSide} / {@code localSide} crops of the 16 x 16 grid (HIPT: 14 and 6); the scales are
 * not used, and {@code dropout} is the share of a view's features zeroed.
 *
 * @param globalSide     side of a global view (pixels, or grid cells in stage 2)
 * @param globalScaleMin smallest share of the source area a global view covers (stage 1)
 * @param globalScaleMax largest share of the source area a global view covers (stage 1)
 * @param localCrops     local views per sample, 0 or more
 * @param localSide      side of a local view
 * @param localScaleMin  smallest share of the source area a local view covers (stage 1)
 * @param localScaleMax  largest share of the source area a local view covers (stage 1)
 * @param dropout        stage 2: probability of zeroing each feature of a view (the rest scaled by 1 / (1 - p))
 */
public record MultiCropSettings(int globalSide, double globalScaleMin, double globalScaleMax, int localCrops,
                                int localSide, double localScaleMin, double localScaleMax, double dropout) {

    /** Global views per sample, as DINO takes them. */
    public static final int GLOBAL_CROPS = 2;

    public MultiCropSettings {
        if (globalSide < 1 || localSide < 1) {
            throw new IllegalArgumentException("globalSide and localSide must be positive, got " + globalSide + " and "
                    + localSide);
        }
        if (localCrops < 0) {
            throw new IllegalArgumentException("localCrops must be 0 or more, got " + localCrops);
        }
        scale("global", globalScaleMin, globalScaleMax);
        scale("local", localScaleMin, localScaleMax);
        if (!(dropout >= 0 && dropout < 1)) {
            throw new IllegalArgumentException("dropout must be in [0, 1), got " + dropout);
        }
    }

    private static void scale(String name, double min, double max) {
        if (!(min > 0 && min <= max && max <= 1)) {
            throw new IllegalArgumentException(name + " crop scale must satisfy 0 < min <= max <= 1, got [" + min
                    + ", " + max + "]");
        }
    }

    /** DINO's stage-1 multi-crop: 2 x 224 px at 0.4-1, 8 x 96 px at 0.05-0.4. */
    public static MultiCropSettings stage1Defaults() {
        return new MultiCropSettings(224, 0.4, 1.0, 8, 96, 0.05, 0.4, 0);
    }

    /** HIPT's stage-2 multi-crop: 2 x 14 x 14 and 8 x 6 x 6 cells of the 16 x 16 grid, dropout 0.1. */
    public static MultiCropSettings stage2Defaults() {
        return new MultiCropSettings(14, 0.4, 1.0, 8, 6, 0.05, 0.4, 0.1);
    }
}
