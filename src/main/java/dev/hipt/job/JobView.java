package dev.hipt.job;

import io.swagger.v3.oas.annotations.media.Schema;
import java.time.Instant;
import java.util.UUID;

/** An analysis job as the API shows it: progress counts regions, and patches within them. */
public record JobView(UUID id, UUID slideId, JobStatus status, Progress progress,
                      @Schema(nullable = true, description = "Why the job failed; null unless it did") JobError error,
                      Instant createdAt,
                      @Schema(nullable = true, description = "null until a worker starts the job") Instant startedAt,
                      @Schema(nullable = true, description = "null until the job ends") Instant finishedAt,
                      Regions regions) {

    /**
     * How far a job is.
     *
     * @param done                 regions stored
     * @param total                regions planned; 0 until the region grid is known
     * @param patchesDone          256 x 256 patches of those regions through ViT-256, moving during a region; updated
     *                             at most every {@code hipt.monitoring.progress-interval}
     * @param patchesTotal         patches of all planned regions; 0 until the first region has been read
     * @param estimatedSecondsLeft time left at the current attempt's pace; null when unknown (queued, just
     *                             started, failed, cancelled), 0 once succeeded
     */
    public record Progress(int done, int total, int patchesDone, int patchesTotal,
                           @Schema(nullable = true, description = "null while unknown") Long estimatedSecondsLeft) {

        /** Progress in regions only. */
        public Progress(int done, int total) {
            this(done, total, 0, 0, null);
        }
    }

    /** Why a job failed: a stable code and a human-readable detail. */
    public record JobError(String code, @Schema(nullable = true) String detail) {
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
