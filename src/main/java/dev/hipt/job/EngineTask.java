package dev.hipt.job;

import java.time.Duration;
import java.util.Optional;
import java.util.UUID;

/**
 * Another kind of persistent job that the analysis engine runs on its worker threads, beside analyses (DINO
 * pretraining, head training): same queue table, same heartbeats, same dead-worker revival. A feature declares one
 * as a bean; {@link EngineQueue} queues its jobs. The task's own table holds the job; the queue holds only its id.
 */
public interface EngineTask {

    /** The task's name in the queue table, unique among the engine's tasks (not {@code analysis}). */
    String name();

    /**
     * Runs one attempt of job {@code jobId} on a worker thread. Returning empty ends the execution (the task has
     * recorded the job's end state, or found it ended); returning a delay hands the job back to the queue to run
     * again after it (a job yielding the worker to analyses, or stopping because this process shuts down). An
     * exception also runs it again, after {@code hipt.job.retry-backoff}; the task counts its own attempts.
     */
    Optional<Duration> run(UUID jobId);

    /** Called when this process begins a graceful shutdown: running attempts should hand their jobs back soon. */
    default void drain() {
    }
}
