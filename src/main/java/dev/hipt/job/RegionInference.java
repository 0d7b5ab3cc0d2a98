package dev.hipt.job;

import dev.hipt.model.RegionEmbedding;
import dev.hipt.model.SubtypePrediction;
import dev.hipt.model.SurvivalPrediction;
import dev.hipt.wsi.RgbImage;
import java.util.List;

/**
 * The pipeline's view of the model: preprocessing on reader threads, batched region encoding on worker threads,
 * slide heads at the end. The production implementation delegates to {@link LoadedModels}; tests put fakes here.
 */
interface RegionInference {

    /** RGB to normalised float CHW, the encoder's input; runs on reader threads. */
    float[] preprocess(RgbImage region);

    /** Encodes several preprocessed square regions of side {@code side}, patches batched across them. */
    List<RegionEmbedding> encode(LoadedModels models, List<float[]> chwRegions, int side);

    /** The subtype head over the slide's regions' cls256 grids. */
    SubtypePrediction subtype(LoadedModels models, List<float[]> cls256PerRegion);

    /** The survival head over the slide's regions' cls256 grids. */
    SurvivalPrediction survival(LoadedModels models, List<float[]> cls256PerRegion);
}
