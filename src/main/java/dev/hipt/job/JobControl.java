package dev.hipt.job;

import java.util.UUID;

/** What a running analysis reports to, and asks of, the job that owns it. */
interface JobControl {

    /** The job this analysis runs for: regions it stores carry it, so a resumed attempt knows its own. */
    UUID jobId();

    /**
     * Records what the analysis found in store once its grid is planned.
     *
     * @param reused  regions of the grid whose stored result (another job's) is kept
     * @param dropped stored regions that are no longer in the grid
     * @throws AnalysisStopped when the job was cancelled or this attempt no longer owns it
     */
    void planned(int reused, int dropped);

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
