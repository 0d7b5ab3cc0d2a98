package dev.hipt.job;

import io.swagger.v3.oas.annotations.media.Schema;
import java.time.Instant;
import java.util.UUID;

/** An analysis job as the API shows it: progress counts regions. */
public record JobView(UUID id, UUID slideId, JobStatus status, Progress progress,
                      @Schema(nullable = true, description = "Why the job failed; null unless it did") JobError error,
                      Instant createdAt,
                      @Schema(nullable = true, description = "null until a worker starts the job") Instant startedAt,
                      @Schema(nullable = true, description = "null until the job ends") Instant finishedAt) {

    /** Regions done of the regions planned; {@code total} is 0 until the region grid is known. */
    public record Progress(int done, int total) {
    }

    /** Why a job failed: a stable code and a human-readable detail. */
    public record JobError(String code, @Schema(nullable = true) String detail) {
    }
}
