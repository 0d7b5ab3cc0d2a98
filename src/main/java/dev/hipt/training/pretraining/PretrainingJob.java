package dev.hipt.training.pretraining;

import dev.hipt.job.JobStatus;

import java.time.Instant;
import java.util.UUID;

/** A pretraining job's row. */
record PretrainingJob(UUID id, int stage, JobStatus status, PretrainingSettings settings, int iteration, int epoch,
                      int itersPerEpoch, Integer checkpointIteration, UUID modelId, int attempts,
                      boolean cancelRequested, String errorCode, String errorDetail, Instant createdAt,
                      Instant startedAt, Instant finishedAt) {
}
