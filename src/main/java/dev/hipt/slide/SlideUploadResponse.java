package dev.hipt.slide;

import dev.hipt.job.JobView;
import io.swagger.v3.oas.annotations.media.Schema;
import java.util.List;

/**
 * The answer to an upload: the slide and its analysis job (the new one, or for a duplicate upload the existing
 * newest one), what was done about the analysis, and which of the request's fields changed an existing slide.
 *
 * @param analysis what the upload did about the slide's analysis
 * @param applied  the request fields ({@code externalId}, {@code mpp}) that were applied to an already registered
 *                 slide; empty for a new slide and when nothing changed
 */
public record SlideUploadResponse(SlideView slide, @Schema(nullable = true) JobView job, Analysis analysis,
                                  List<String> applied) {

    /** What an upload did about the slide's analysis. */
    public enum Analysis {
        /** A new slide: its first analysis is queued. */
        QUEUED,
        /** The same bytes again without {@code reanalyse}: nothing queued, the newest job is returned. */
        DEDUPLICATED,
        /**
         * {@code reanalyse=true}: an analysis is queued that reuses stored regions of unchanged geometry, encodes
         * the regions that are new in the grid and drops those no longer in it (the job's {@code regions} counts).
         */
        REANALYSIS_QUEUED,
        /** {@code force=true}: an analysis is queued that encodes every region again. */
        RECOMPUTE_QUEUED,
        /** An analysis of the slide is already queued or running: that job is returned, nothing else queued. */
        ALREADY_ACTIVE
    }
}
