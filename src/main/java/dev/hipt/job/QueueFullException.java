package dev.hipt.job;

import java.time.Duration;

/** More analysis jobs are queued than {@code hipt.job.max-queued} allows; the caller should retry later. */
public class QueueFullException extends RuntimeException {

    private final Duration retryAfter;

    public QueueFullException(int queued, Duration retryAfter) {
        super(queued + " analysis jobs are queued; retry later");
        this.retryAfter = retryAfter;
    }

    public Duration retryAfter() {
        return retryAfter;
    }
}
