package dev.hipt.job;

import dev.hipt.model.SubtypePrediction;
import dev.hipt.model.SurvivalPrediction;
import dev.hipt.results.Provenance;
import dev.hipt.results.RegionResult;
import dev.hipt.results.RegionResults;
import dev.hipt.results.SlideResult;
import dev.hipt.system.ApiException;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.UUID;
import org.springframework.http.HttpStatus;
import org.springframework.stereotype.Service;

/**
 * Recomputes a slide's predictions with the active heads from its stored cls256 grids: no region is read or
 * encoded again. The embeddings must come from the active backbone (the same model version); the new slide result
 * replaces the one of that backbone, with the heads' registered ids in its provenance.
 */
@Service
public class Repredictions {

    /** 409: the slide has no stored region embeddings (not analysed, analysis not finished, or no such slide). */
    static final String NO_EMBEDDINGS = "NO_EMBEDDINGS";
    /** 409: the slide's embeddings come from a backbone that is not active; reanalyse it. */
    static final String BACKBONE_NOT_ACTIVE = "BACKBONE_NOT_ACTIVE";
    /** 409: no subtype or survival head is active (or the active models are demo weights). */
    static final String NO_ACTIVE_HEADS = "NO_ACTIVE_HEADS";

    private final ModelProvider models;
    private final RegionResults results;
    private final RegionInference inference;

    Repredictions(ModelProvider models, RegionResults results, RegionInference inference) {
        this.models = models;
        this.results = results;
        this.inference = inference;
    }

    /**
     * One slide's new predictions.
     *
     * @param slideId      the slide
     * @param modelVersion the backbone whose embeddings were used
     * @param regions      how many regions' cls256 grids went in
     * @param modelIds     role to the registered model that made the result
     * @param subtype      whether a subtype prediction was made
     * @param survival     whether a survival prediction was made
     */
    public record Repredicted(UUID slideId, String modelVersion, int regions, Map<String, String> modelIds,
                              boolean subtype, boolean survival) {
    }

    /**
     * Recomputes the predictions of {@code slideId}.
     *
     * @throws ApiException 409 NO_EMBEDDINGS, BACKBONE_NOT_ACTIVE or NO_ACTIVE_HEADS
     */
    public Repredicted repredict(UUID slideId) {
        try (ModelProvider.Lease lease = models.lease()) {
            LoadedModels loaded = lease.models();
            Provenance provenance = loaded.provenance();
            boolean subtype = loaded.subtype().isPresent() && !provenance.untrained();
            boolean survival = loaded.survival().isPresent() && !provenance.untrained();
            if (!subtype && !survival) {
                throw new ApiException(HttpStatus.CONFLICT, NO_ACTIVE_HEADS, "No subtype or survival head is active: "
                        + "register one (POST /api/v1/admin/models) and activate it");
            }
            List<RegionResult> stored = results.load(slideId, provenance.modelVersion(), true);
            if (stored.isEmpty()) {
                List<String> versions = results.modelVersions(slideId);
                if (versions.isEmpty()) {
                    throw new ApiException(HttpStatus.CONFLICT, NO_EMBEDDINGS, "Slide " + slideId + " has no stored "
                            + "embeddings (not analysed, analysis not finished, or no such slide)");
                }
                throw new ApiException(HttpStatus.CONFLICT, BACKBONE_NOT_ACTIVE, "Slide " + slideId + " was encoded "
                        + "by model version " + String.join(", ", versions) + ", the active backbone is "
                        + provenance.modelVersion() + ": reanalyse it (POST /api/v1/slides with reanalyse=true)");
            }
            if (stored.stream().map(RegionResult::cls256).anyMatch(Objects::isNull)) {
                throw new ApiException(HttpStatus.CONFLICT, NO_EMBEDDINGS, "Slide " + slideId + " has regions stored "
                        + "without their cls256 grid: reanalyse it");
            }
            List<float[]> cls256 = stored.stream().map(RegionResult::cls256).toList();
            SubtypePrediction subtypePrediction;
            SurvivalPrediction survivalPrediction;
            try (ModelProvider.InUse use = models.inUse()) {
                subtypePrediction = subtype ? inference.subtype(loaded, cls256) : null;
                survivalPrediction = survival ? inference.survival(loaded, cls256) : null;
            }
            results.storeSlide(slideId, provenance, new SlideResult(stored.size(), AnalysisPipeline.meanCls4k(stored),
                    subtypePrediction, survivalPrediction));
            return new Repredicted(slideId, provenance.modelVersion(), stored.size(), provenance.modelIds(), subtype,
                    survival);
        }
    }
}
