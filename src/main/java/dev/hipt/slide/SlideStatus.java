package dev.hipt.slide;

import dev.hipt.job.JobStatus;
import dev.hipt.job.JobView;

/** Where a slide stands, from its newest analysis job. */
public enum SlideStatus {
    /** Stored, no analysis job. */
    UPLOADED,
    QUEUED,
    RUNNING,
    /** The newest job succeeded: embeddings and predictions can be read. */
    ANALYSED,
    FAILED,
    CANCELLED;

    static SlideStatus of(JobView latestJob) {
        if (latestJob == null) {
            return UPLOADED;
        }
        JobStatus status = latestJob.status();
        return switch (status) {
            case QUEUED -> QUEUED;
            case RUNNING -> RUNNING;
            case SUCCEEDED -> ANALYSED;
            case FAILED -> FAILED;
            case CANCELLED -> CANCELLED;
        };
    }
}
