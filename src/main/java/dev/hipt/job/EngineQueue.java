package dev.hipt.job;

import java.util.UUID;

/** Queues jobs of the {@link EngineTask}s on the analysis engine. */
public interface EngineQueue {

    /**
     * Queues job {@code jobId} of task {@code taskName} to run now. Joins the caller's transaction, so the job's row
     * and its queue entry commit together.
     *
     * @throws IllegalArgumentException when no such task is declared
     */
    void schedule(String taskName, UUID jobId);

    /** Whether analyses are waiting for a worker (QUEUED): tasks that share the device let them go first. */
    boolean analysesWaiting();
}
