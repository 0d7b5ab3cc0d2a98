package dev.hipt.job;

import java.time.Instant;
import java.util.UUID;

/** An analysis job as the API shows it: progress counts regions. */
public record JobView(UUID id, UUID slideId, JobStatus status, Progress progress, JobError error,
                      Instant createdAt, Instant startedAt, Instant finishedAt, Regions regions) {

    /** Regions done of the regions planned; {@code total} is 0 until the region grid is known. */
    public record Progress(int done, int total) {
    }

    /** Why a job failed: a stable code and a human-readable detail. */
    public record JobError(String code, String detail) {
    }

    /**
     * What the job does with the results stored for the slide, known once its region grid is planned (all 0 before).
     * A region is reused when one of the same level-0 geometry was stored by the same model version.
     *
     * @param recomputeAll true when the caller asked for {@code force=true}: nothing is reused
     * @param reused       regions of the grid whose stored result is kept instead of encoding them again
     * @param recomputed   regions of the grid that this job encodes
     * @param dropped      stored regions removed because they are no longer in the grid (new mpp, new tissue
     *                     settings)
     */
    public record Regions(boolean recomputeAll, int reused, int recomputed, int dropped) {
    }
}
