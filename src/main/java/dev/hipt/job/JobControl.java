package dev.hipt.job;

/** What a running analysis reports to, and asks of, the job that owns it. */
interface JobControl {

    /**
     * Records progress in regions.
     *
     * @throws AnalysisStopped when the job was cancelled or this attempt no longer owns it
     */
    void progress(int done, int total);

    /**
     * Records progress in patches, also in the middle of a region; called after every batch of patches, so the
     * owner decides how often to store it.
     *
     * @throws AnalysisStopped when the job was cancelled or this attempt no longer owns it
     */
    default void patches(int done, int total) {
    }

    /**
     * A region boundary: returns when the analysis may go on.
     *
     * @throws AnalysisStopped when the job was cancelled or this worker is being stopped
     */
    void checkpoint();
}
