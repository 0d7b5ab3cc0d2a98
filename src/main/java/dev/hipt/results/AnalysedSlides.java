package dev.hipt.results;

import dev.hipt.system.ApiException;
import java.util.UUID;
import org.springframework.http.HttpStatus;
import org.springframework.stereotype.Component;

/** The read seam for features that draw or export a slide's newest analysis. */
@Component
public class AnalysedSlides {

    private final JdbcRegionResults results;

    AnalysedSlides(JdbcRegionResults results) {
        this.results = results;
    }

    /**
     * The newest analysis of slide {@code id}.
     *
     * @param withCls256 whether to load each region's {@code [patches x 384]} ViT-256 CLS grid
     * @throws ApiException 404 {@code RESULTS_NOT_FOUND} when the slide has no finished analysis (or does not exist)
     */
    public AnalysedSlide newest(UUID id, boolean withCls256) {
        JdbcRegionResults.StoredSlideResult stored = results.latestSlideResult(id).orElseThrow(() ->
                new ApiException(HttpStatus.NOT_FOUND, ResultsService.RESULTS_NOT_FOUND, "Slide " + id
                        + " has no analysis results (not analysed yet, analysis not finished, or no such slide)."));
        return new AnalysedSlide(id, stored.provenance(),
                results.load(id, stored.provenance().modelVersion(), withCls256), stored.result());
    }
}
