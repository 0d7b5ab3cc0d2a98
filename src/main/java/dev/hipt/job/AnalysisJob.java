package dev.hipt.job;

import java.time.Instant;
import java.util.UUID;

/** One row of {@code analysis_job}: the persistent state of an analysis. */
record AnalysisJob(UUID id, UUID slideId, JobStatus status, String blobKey, Double mppOverride, boolean recomputeAll,
                   int reusedRegions, int droppedRegions, int doneRegions, int totalRegions, int attempts,
                   boolean cancelRequested, String errorCode, String errorDetail, Instant createdAt,
                   Instant startedAt, Instant finishedAt, Instant updatedAt, long version) {

    AnalysisRequest request() {
        return new AnalysisRequest(slideId, blobKey, mppOverride, recomputeAll);
    }

    JobView view() {
        JobView.JobError error = errorCode == null ? null : new JobView.JobError(errorCode, errorDetail);
        JobView.Regions regions = new JobView.Regions(recomputeAll, reusedRegions,
                Math.max(0, totalRegions - reusedRegions), droppedRegions);
        return new JobView(id, slideId, status, new JobView.Progress(doneRegions, totalRegions), error, createdAt,
                startedAt, finishedAt, regions);
    }
}
