package dev.hipt.job;

import java.time.Duration;
import java.time.Instant;
import java.util.UUID;

/** One row of {@code analysis_job}: the persistent state of an analysis. */
record AnalysisJob(UUID id, UUID slideId, JobStatus status, String blobKey, Double mppOverride, boolean recomputeAll,
                   int reusedRegions, int droppedRegions, int doneRegions, int totalRegions, int attempts,
                   boolean cancelRequested, String errorCode, String errorDetail, Instant createdAt,
                   Instant startedAt, Instant finishedAt, Instant updatedAt, long version, PatchProgress patches) {

    /** A row as inserted: no patch progress yet. */
    AnalysisJob(UUID id, UUID slideId, JobStatus status, String blobKey, Double mppOverride, boolean recomputeAll,
                int reusedRegions, int droppedRegions, int doneRegions, int totalRegions, int attempts,
                boolean cancelRequested, String errorCode, String errorDetail, Instant createdAt,
                Instant startedAt, Instant finishedAt, Instant updatedAt, long version) {
        this(id, slideId, status, blobKey, mppOverride, recomputeAll, reusedRegions, droppedRegions, doneRegions,
                totalRegions, attempts, cancelRequested, errorCode, errorDetail, createdAt, startedAt, finishedAt,
                updatedAt, version, PatchProgress.NONE);
    }

    /**
     * Progress within regions and the base of the time-left estimate.
     *
     * @param done             patches of the job's regions through ViT-256 so far
     * @param total            patches of all the job's regions; 0 until the first region has been read
     * @param resumedRegions   regions already stored when the current attempt started
     * @param attemptStartedAt when the current attempt reported its first progress; null before
     */
    record PatchProgress(int done, int total, int resumedRegions, Instant attemptStartedAt) {
        static final PatchProgress NONE = new PatchProgress(0, 0, 0, null);
    }

    AnalysisRequest request() {
        return new AnalysisRequest(slideId, blobKey, mppOverride, recomputeAll);
    }

    JobView view() {
        return view(Instant.now());
    }

    JobView view(Instant now) {
        JobView.JobError error = errorCode == null ? null : new JobView.JobError(errorCode, errorDetail);
        JobView.Regions regions = new JobView.Regions(recomputeAll, reusedRegions,
                Math.max(0, totalRegions - reusedRegions), droppedRegions);
        return new JobView(id, slideId, status, new JobView.Progress(doneRegions, totalRegions, patches.done(),
                patches.total(), estimatedSecondsLeft(now)), error, createdAt, startedAt, finishedAt, regions);
    }

    /**
     * Time left of a running job: the current attempt's elapsed time scaled by the work left over the work it has
     * done (patches, or regions before the first region is read); null until the attempt has done some work.
     */
    Long estimatedSecondsLeft(Instant now) {
        if (status == JobStatus.SUCCEEDED) {
            return 0L;
        }
        if (status != JobStatus.RUNNING || patches.attemptStartedAt() == null || totalRegions == 0) {
            return null;
        }
        double atStart = (double) patches.resumedRegions() / totalRegions;
        double done = patches.total() > 0 ? (double) patches.done() / patches.total()
                : (double) doneRegions / totalRegions;
        if (done <= atStart) {
            return null;
        }
        double elapsed = Duration.between(patches.attemptStartedAt(), now).toMillis() / 1000.0;
        double left = elapsed * (1 - done) / (done - atStart);
        return Math.max(0L, (long) Math.ceil(left));
    }
}
