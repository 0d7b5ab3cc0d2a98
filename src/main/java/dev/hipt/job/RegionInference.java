package dev.hipt.job;

import dev.hipt.model.RegionEmbedding;
import dev.hipt.model.SubtypePrediction;
import dev.hipt.model.SurvivalPrediction;
import dev.hipt.wsi.RgbImage;
import java.util.List;
import java.util.function.IntConsumer;

/**
 * The pipeline's view of the model: preprocessing on reader threads, batched region encoding on worker threads,
 * slide heads at the end. The production implementation delegates to {@link LoadedModels}; tests put fakes here.
 */
interface RegionInference {

    /** RGB to normalised float CHW, the encoder's input; runs on reader threads. */
    float[] preprocess(RgbImage region);

    /** Encodes several preprocessed square regions of side {@code side}, patches batched across them. */
    List<RegionEmbedding> encode(LoadedModels models, List<float[]> chwRegions, int side);

    /**
     * {@link #encode(LoadedModels, List, int)}, telling {@code patchesDone} how many of the call's patches are
     * through ViT-256 after every batch of them.
     */
    default List<RegionEmbedding> encode(LoadedModels models, List<float[]> chwRegions, int side,
                                         IntConsumer patchesDone) {
        return encode(models, chwRegions, side);
    }

    /** The subtype head over the slide's regions' cls256 grids. */
    SubtypePrediction subtype(LoadedModels models, List<float[]> cls256PerRegion);

    /** The survival head over the slide's regions' cls256 grids. */
    SurvivalPrediction survival(LoadedModels models, List<float[]> cls256PerRegion);
}
