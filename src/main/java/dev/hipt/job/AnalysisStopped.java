package dev.hipt.job;

/** Ends a running analysis early, at a region boundary, without counting as a failure. */
final class AnalysisStopped extends RuntimeException {

    enum Reason {
        /** The job was cancelled (or its slide deleted): it ends CANCELLED. */
        CANCELLED,
        /**
         * This worker was interrupted (shutdown) or another worker has taken the job over: the execution is left
         * as it is, and whichever worker owns it goes on from the stored regions.
         */
        ABANDONED,
        /**
         * This worker is shutting down gracefully (SIGTERM, rolling restart): the attempt hands the job back to the
         * queue at once, without counting as an attempt, and another replica goes on from the stored regions.
         */
        RELEASED
    }

    private final Reason reason;

    AnalysisStopped(Reason reason, String message) {
        super(message, null, false, false);
        this.reason = reason;
    }

    Reason reason() {
        return reason;
    }
}
