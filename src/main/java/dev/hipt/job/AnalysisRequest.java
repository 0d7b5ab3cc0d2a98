package dev.hipt.job;

import java.util.UUID;

/**
 * Everything a worker needs to analyse a slide, so that the job engine never reads the slide feature's tables.
 *
 * @param slideId      the slide
 * @param blobKey      where the slide file lives in the blob store
 * @param mppOverride  microns per pixel given at upload, or {@code null} to use the file's own
 * @param recomputeAll encode every region again, even those stored for the same geometry and model version
 *                     ({@code force=true}); otherwise stored regions are reused
 */
public record AnalysisRequest(UUID slideId, String blobKey, Double mppOverride, boolean recomputeAll) {

    /** An analysis that reuses the regions already stored for the slide. */
    public AnalysisRequest(UUID slideId, String blobKey, Double mppOverride) {
        this(slideId, blobKey, mppOverride, false);
    }
}
