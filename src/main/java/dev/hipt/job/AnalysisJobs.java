package dev.hipt.job;

import java.util.Optional;
import java.util.UUID;

/** The analysis queue as other features see it: submit a slide, look a job up, cancel it. */
public interface AnalysisJobs {

    /**
     * Queues the analysis of a stored slide and returns the new job. Answers {@link QueueFullException} when
     * {@code hipt.job.max-queued} jobs are already waiting.
     */
    JobView submit(AnalysisRequest request);

    Optional<JobView> find(UUID jobId);

    /** The newest job of a slide, if it has any. */
    Optional<JobView> latestForSlide(UUID slideId);

    /** Asks a queued or running job to stop; a finished job is returned unchanged. */
    Optional<JobView> cancel(UUID jobId);
}
