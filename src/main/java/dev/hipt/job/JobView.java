package dev.hipt.job;

import java.time.Instant;
import java.util.UUID;

/** An analysis job as the API shows it: progress counts regions. */
public record JobView(UUID id, UUID slideId, JobStatus status, Progress progress, JobError error,
                      Instant createdAt, Instant startedAt, Instant finishedAt) {

    /** Regions done of the regions planned; {@code total} is 0 until the region grid is known. */
    public record Progress(int done, int total) {
    }

    /** Why a job failed: a stable code and a human-readable detail. */
    public record JobError(String code, String detail) {
    }
}
