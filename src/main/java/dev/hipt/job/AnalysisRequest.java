package dev.hipt.job;

import java.util.UUID;

/**
 * Everything a worker needs to analyse a slide, so that the job engine never reads the slide feature's tables.
 *
 * @param slideId     the slide
 * @param blobKey     where the slide file lives in the blob store
 * @param mppOverride microns per pixel given at upload, or {@code null} to use the file's own
 */
public record AnalysisRequest(UUID slideId, String blobKey, Double mppOverride) {
}
