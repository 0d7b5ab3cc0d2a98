package dev.hipt.job;

import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * Settings of the analysis job engine ({@code hipt.job.*}).
 *
 * @param workersPerDevice  analyses that run at once in this process, each on its own worker thread sharing the
 *                          one device the encoder runs on; 0 for a replica that serves the API only and runs no
 *                          analyses (it still queues and cancels jobs)
 * @param readerThreads     threads that read and preprocess regions ahead of the model, shared by all workers
 * @param readAhead         regions each worker has read (or is reading) beyond the batch the model computes; each
 *                          costs about 200 MB of heap as float CHW at 4096 x 4096
 * @param batchRegions      regions handed to the encoder in one call, so their 256 x 256 patches form shared batches;
 *                          with {@code readAhead}, at most {@code batchRegions + readAhead} regions per worker are in
 *                          memory
 * @param minTissueFraction regions whose tissue fraction is not above this are not analysed
 * @param maxQueued         submissions are refused with {@link QueueFullException} while this many jobs are queued
 * @param retryAfter        what a refused submission is told to wait before trying again
 * @param maxAttempts       runs of one job (first run, retries after transient errors, resumptions after a dead
 *                          worker) before it fails for good
 * @param retryBackoff      wait before the first retry after a transient error; doubled for every further attempt
 * @param heartbeat         how often a worker tells the database that its running jobs are alive
 * @param missedHeartbeats  heartbeats a running job may miss before another worker takes it over and resumes it
 * @param pollingInterval   how often idle workers look for due jobs queued by other processes
 * @param shutdownMaxWait   on shutdown, how long running jobs may go on before they are interrupted and left for
 *                          another worker to resume
 */
@ConfigurationProperties("hipt.job")
public record JobProperties(
        @DefaultValue("1") int workersPerDevice,
        @DefaultValue("2") int readerThreads,
        @DefaultValue("2") int readAhead,
        @DefaultValue("2") int batchRegions,
        @DefaultValue("0") double minTissueFraction,
        @DefaultValue("100") int maxQueued,
        @DefaultValue("30s") Duration retryAfter,
        @DefaultValue("4") int maxAttempts,
        @DefaultValue("10s") Duration retryBackoff,
        @DefaultValue("10s") Duration heartbeat,
        @DefaultValue("6") int missedHeartbeats,
        @DefaultValue("2s") Duration pollingInterval,
        @DefaultValue("30s") Duration shutdownMaxWait) {

    public JobProperties {
        if (workersPerDevice < 0) {
            throw new IllegalArgumentException("hipt.job.workers-per-device must be 0 or more, was " + workersPerDevice);
        }
        requirePositive("reader-threads", readerThreads);
        requirePositive("read-ahead", readAhead);
        requirePositive("batch-regions", batchRegions);
        requirePositive("max-queued", maxQueued);
        requirePositive("max-attempts", maxAttempts);
        requirePositive("missed-heartbeats", missedHeartbeats);
    }

    private static void requirePositive(String name, int value) {
        if (value < 1) {
            throw new IllegalArgumentException("hipt.job." + name + " must be at least 1, was " + value);
        }
    }

    /** The wait before retry number {@code attempt} (1 for the first retry). */
    Duration backoff(int attempt) {
        int doublings = Math.min(Math.max(attempt - 1, 0), 20);
        return retryBackoff.multipliedBy(1L << doublings);
    }
}
