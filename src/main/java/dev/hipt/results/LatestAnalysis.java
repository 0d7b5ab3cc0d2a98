package dev.hipt.results;

import java.time.OffsetDateTime;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.springframework.stereotype.Service;

/** A slide's newest analysis (its newest slide result) and its regions, for features that draw over the slide. */
@Service
public class LatestAnalysis {

    /** The error code of a slide without analysis results, as the results API answers it (404). */
    public static final String RESULTS_NOT_FOUND = ResultsService.RESULTS_NOT_FOUND;

    private final JdbcRegionResults results;

    LatestAnalysis(JdbcRegionResults results) {
        this.results = results;
    }

    /** The regions of the slide's newest analysis in index order (without cls256); empty when it has none. */
    public Optional<Regions> regions(UUID slideId) {
        return results.latestSlideResult(slideId).map(stored -> new Regions(stored.provenance().modelVersion(),
                stored.createdAt(), results.load(slideId, stored.provenance().modelVersion(), false)));
    }

    /**
     * The regions of one analysis.
     *
     * @param modelVersion the model version that computed them
     * @param createdAt    when the analysis stored its slide result; a new analysis has a new one
     */
    public record Regions(String modelVersion, OffsetDateTime createdAt, List<RegionResult> regions) {
    }
}
