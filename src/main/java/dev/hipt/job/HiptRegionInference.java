package dev.hipt.job;

import dev.hipt.model.RegionEmbedding;
import dev.hipt.model.RegionEncoder;
import dev.hipt.model.SlideHead;
import dev.hipt.model.SubtypePrediction;
import dev.hipt.model.SurvivalPrediction;
import dev.hipt.wsi.RgbImage;
import java.util.List;
import java.util.function.IntConsumer;
import org.springframework.stereotype.Component;

/** The real model: HIPT's preprocessing, the region encoder (on the device it chose) and the slide heads. */
@Component
class HiptRegionInference implements RegionInference {

    @Override
    public float[] preprocess(RgbImage region) {
        return RegionEncoder.preprocess(region.rgb(), region.width(), region.height());
    }

    @Override
    public List<RegionEmbedding> encode(LoadedModels models, List<float[]> chwRegions, int side) {
        return models.encoder().encodePreprocessed(chwRegions, side, false);
    }

    @Override
    public List<RegionEmbedding> encode(LoadedModels models, List<float[]> chwRegions, int side,
                                        IntConsumer patchesDone) {
        return models.encoder().encodePreprocessed(chwRegions, side, false, patchesDone);
    }

    @Override
    public SubtypePrediction subtype(LoadedModels models, List<float[]> cls256PerRegion) {
        SlideHead head = models.subtype().orElseThrow(() -> new IllegalStateException("no subtype head"));
        return head.subtype(cls256PerRegion, models.subtypeClasses());
    }

    @Override
    public SurvivalPrediction survival(LoadedModels models, List<float[]> cls256PerRegion) {
        SlideHead head = models.survival().orElseThrow(() -> new IllegalStateException("no survival head"));
        return head.survival(cls256PerRegion);
    }
}
