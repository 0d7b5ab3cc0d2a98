package dev.hipt.job;

import java.util.Optional;
import java.util.UUID;

/** The analysis queue as other features see it: submit a slide, look a job up, cancel it. */
public interface AnalysisJobs {

    /**
     * Queues the analysis of a stored slide, unless the slide has an active (QUEUED or RUNNING) analysis already:
     * then that job is returned and nothing is queued. The database allows one active analysis per slide, so
     * concurrent calls for one slide queue one job. Answers {@link QueueFullException} when
     * {@code hipt.job.max-queued} jobs are already waiting; the check and the insert are atomic. Joins the
     * caller's transaction when there is one.
     */
    Submission enqueue(AnalysisRequest request);

    /** {@link #enqueue} for a caller that only needs the job: the new one, or the slide's active one. */
    default JobView submit(AnalysisRequest request) {
        return enqueue(request).job();
    }

    Optional<JobView> find(UUID jobId);

    /** The newest job of a slide, if it has any. */
    Optional<JobView> latestForSlide(UUID slideId);

    /** Asks a queued or running job to stop; a finished job is returned unchanged. */
    Optional<JobView> cancel(UUID jobId);

    /**
     * The answer to {@link #enqueue}.
     *
     * @param job    the new job, or the slide's active job when {@code queued} is false
     * @param queued whether a new job was queued
     */
    record Submission(JobView job, boolean queued) {
    }
}
