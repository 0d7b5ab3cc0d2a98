package dev.hipt.job;

import dev.hipt.results.RegionResults;
import dev.hipt.wsi.SlideException;
import java.io.InterruptedIOException;
import java.nio.channels.ClosedByInterruptException;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;

/**
 * Runs one attempt of an analysis job on a scheduler thread and decides how it ends: SUCCEEDED; CANCELLED; FAILED
 * once, without retry, for a bad slide or missing models; back to the queue with backoff for anything else until
 * {@code hipt.job.max-attempts}; or abandoned (worker stopping, or superseded by another worker) so that whoever
 * owns the execution resumes from the stored regions.
 */
@Component
class AnalysisWorker {

    static final String ANALYSIS_FAILED = "ANALYSIS_FAILED";
    static final String TRANSIENT_ERROR = "TRANSIENT_ERROR";

    private static final Logger log = LoggerFactory.getLogger(AnalysisWorker.class);

    private final AnalysisJobRepository jobs;
    private final AnalysisPipeline pipeline;
    private final RegionResults results;
    private final JobProperties properties;
    private final WorkerActivity activity;
    private final JobMetrics metrics;
    private final Duration progressInterval;
    /** Set when this process shuts down gracefully: running attempts stop at their next checkpoint. */
    private volatile boolean draining;

    AnalysisWorker(AnalysisJobRepository jobs, AnalysisPipeline pipeline, RegionResults results,
                   JobProperties properties, WorkerActivity activity, JobMetrics metrics,
                   MonitoringProperties monitoring) {
        this.jobs = jobs;
        this.pipeline = pipeline;
        this.results = results;
        this.properties = properties;
        this.activity = activity;
        this.metrics = metrics;
        this.progressInterval = monitoring.progressInterval();
    }

    /**
     * Graceful shutdown has begun: every running attempt finishes the region batch it is encoding, then hands its
     * job back to the queue ({@link AnalysisStopped.Reason#RELEASED}) instead of starting the next one.
     */
    void drain() {
        draining = true;
    }

    /**
     * Runs the job to an end state, or throws {@link RetryLater} (reschedule) or {@link AnalysisStopped} with
     * reason ABANDONED (leave the execution to dead-execution detection).
     */
    void run(UUID jobId) {
        Optional<Integer> attempt = claim(jobId);
        if (attempt.isEmpty()) {
            return;
        }
        UUID slideId = jobs.find(jobId).map(job -> job.request().slideId()).orElse(null);
        try {
            execute(jobId, attempt.get());
        } finally {
            removeResultsOfDeletedSlide(jobId, slideId);
        }
    }

    /**
     * When the slide was deleted while this attempt ran (its job row went with it), removes what the attempt may
     * have written after the delete had removed the slide's results: a region's blob is written before its row,
     * whose insert the foreign key then refuses. Nothing is written for the job after this point.
     */
    private void removeResultsOfDeletedSlide(UUID jobId, UUID slideId) {
        if (slideId == null || jobs.find(jobId).isPresent()) {
            return;
        }
        try {
            results.deleteForSlide(slideId);
            log.info("Slide {} was deleted during analysis job {}: removed the results written meanwhile", slideId,
                    jobId);
        } catch (RuntimeException e) {
            log.warn("Slide {} was deleted during analysis job {}; removing its late results failed: {}", slideId,
                    jobId, e.toString());
        }
    }

    /** Moves the job to RUNNING for a new attempt; empty when it has ended (or ends here) instead. */
    private Optional<Integer> claim(UUID jobId) {
        for (int tries = 0; tries < 10; tries++) {
            Optional<AnalysisJob> found = jobs.find(jobId);
            if (found.isEmpty()) {
                log.info("Analysis job {} no longer exists (slide deleted?): nothing to do", jobId);
                return Optional.empty();
            }
            AnalysisJob job = found.get();
            if (job.status().isFinal()) {
                return Optional.empty();
            }
            if (job.cancelRequested()) {
                if (jobs.finishIdle(job, JobStatus.CANCELLED, null, null)) {
                    finished(job, JobStatus.CANCELLED, null);
                    return Optional.empty();
                }
                continue;
            }
            if (job.attempts() >= properties.maxAttempts()) {
                String last = job.errorDetail() == null ? "" : "; last error: " + job.errorDetail();
                if (jobs.finishIdle(job, JobStatus.FAILED, ANALYSIS_FAILED,
                        "gave up after " + job.attempts() + " attempts (hipt.job.max-attempts)" + last)) {
                    finished(job, JobStatus.FAILED, ANALYSIS_FAILED);
                    return Optional.empty();
                }
                continue;
            }
            if (job.status() == JobStatus.RUNNING) {
                log.warn("Analysis job {} was left running by a dead worker (attempt {}): resuming it", jobId,
                        job.attempts());
            }
            if (jobs.start(job)) {
                return Optional.of(job.attempts() + 1);
            }
        }
        throw new IllegalStateException("analysis job " + jobId + " keeps changing under the worker");
    }

    private void execute(UUID jobId, int attempt) {
        AnalysisJob job = jobs.find(jobId).orElseThrow();
        try (WorkerActivity.Running running = activity.begin(jobId)) {
            pipeline.run(job.request(), new Control(jobId, attempt, running));
            finish(jobId, attempt, JobStatus.SUCCEEDED, null, null);
        } catch (AnalysisStopped stopped) {
            if (stopped.reason() == AnalysisStopped.Reason.CANCELLED) {
                finish(jobId, attempt, JobStatus.CANCELLED, null, null);
                return;
            }
            if (stopped.reason() == AnalysisStopped.Reason.RELEASED) {
                throw release(jobId, attempt, stopped);
            }
            log.warn("Analysis job {} attempt {} abandoned: {}", jobId, attempt, stopped.getMessage());
            throw stopped;
        } catch (SlideException e) {
            log.info("Analysis job {} failed: {} {}", jobId, e.code(), e.getMessage());
            finish(jobId, attempt, JobStatus.FAILED, e.code().name(), e.getMessage());
        } catch (ModelNotConfiguredException e) {
            log.warn("Analysis job {} failed: {}", jobId, e.getMessage());
            finish(jobId, attempt, JobStatus.FAILED, ModelNotConfiguredException.CODE, e.getMessage());
        } catch (CheckpointModelProvider.ModelLoadException e) {
            // A checkpoint that cannot be loaded will not load on a retry either: fail once, with the reason.
            log.warn("Analysis job {} failed: {}", jobId, e.getMessage());
            finish(jobId, attempt, JobStatus.FAILED, CheckpointModelProvider.ModelLoadException.CODE, e.getMessage());
        } catch (Exception e) {
            if (interrupted(e) && draining) {
                // shutdown-max-wait passed while a batch was still encoding: handed back all the same
                throw release(jobId, attempt, new AnalysisStopped(AnalysisStopped.Reason.RELEASED,
                        "worker interrupted"));
            }
            if (interrupted(e)) {
                log.warn("Analysis job {} attempt {} interrupted: left for another worker", jobId, attempt);
                throw new AnalysisStopped(AnalysisStopped.Reason.ABANDONED, "worker interrupted");
            }
            String detail = describe(e);
            if (attempt >= properties.maxAttempts()) {
                log.error("Analysis job {} failed after {} attempts", jobId, attempt, e);
                finish(jobId, attempt, JobStatus.FAILED, ANALYSIS_FAILED,
                        "failed after " + attempt + " attempts: " + detail);
                return;
            }
            Duration backoff = properties.backoff(attempt);
            log.warn("Analysis job {} attempt {} failed, retrying in {}: {}", jobId, attempt, backoff, detail);
            if (!jobs.requeue(jobId, attempt, TRANSIENT_ERROR,
                    "attempt " + attempt + " of " + properties.maxAttempts() + " failed, retrying: " + detail)) {
                throw new AnalysisStopped(AnalysisStopped.Reason.ABANDONED, "job changed while failing");
            }
            throw new RetryLater(backoff, e);
        }
    }

    /**
     * Hands a job this process stops working on back to the queue, not counting the attempt. The exception returned
     * for the caller to throw reschedules its execution now, so another replica picks it up at once rather than after
     * the heartbeat timeout; when the row cannot be updated, it leaves the execution to dead-execution detection.
     */
    private RuntimeException release(UUID jobId, int attempt, AnalysisStopped stopped) {
        if (!jobs.release(jobId, attempt)) {
            log.warn("Analysis job {} attempt {} not handed back: the job was taken over or removed", jobId,
                    attempt);
            return new AnalysisStopped(AnalysisStopped.Reason.ABANDONED, "job changed while releasing");
        }
        log.info("Analysis job {} handed back to the queue on shutdown ({}); another worker resumes it", jobId,
                stopped.getMessage());
        return new RetryLater(Duration.ZERO, stopped);
    }

    private void finish(UUID jobId, int attempt, JobStatus status, String code, String detail) {
        if (!jobs.finishRunning(jobId, attempt, status, code, detail)) {
            log.warn("Analysis job {} attempt {} could not record {}: the job was taken over or removed", jobId,
                    attempt, status);
            return;
        }
        try {
            jobs.find(jobId).ifPresent(job -> finished(job, status, code));
        } catch (RuntimeException e) {
            // The outcome is recorded; only its log line and metric are lost.
            log.info("Analysis job {} finished {}{}", jobId, status, code == null ? "" : " (" + code + ")");
        }
    }

    /** The one line, and the metric, of a job that has ended: ids, outcome and durations only (no file names). */
    private void finished(AnalysisJob job, JobStatus status, String code) {
        Instant end = job.finishedAt() != null ? job.finishedAt() : Instant.now();
        Duration total = Duration.between(job.createdAt(), end);
        if (job.startedAt() == null) {
            log.info("Analysis job {} of slide {} finished {}{} without running, {} after it was queued", job.id(),
                    job.slideId(), status, code == null ? "" : " (" + code + ")", total);
            return;
        }
        Duration ran = Duration.between(job.startedAt(), end);
        metrics.jobFinished(status, ran);
        log.info("Analysis job {} of slide {} finished {}{} after running {} ({} since queued, {} attempt(s), "
                        + "{}/{} regions)", job.id(), job.slideId(), status, code == null ? "" : " (" + code + ")",
                ran, total, job.attempts(), job.doneRegions(), job.totalRegions());
    }

    private static boolean interrupted(Throwable e) {
        if (Thread.currentThread().isInterrupted()) {
            return true;
        }
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof InterruptedException || t instanceof InterruptedIOException
                    || t instanceof ClosedByInterruptException) {
                return true;
            }
        }
        return false;
    }

    private static String describe(Throwable e) {
        String message = e.getMessage();
        return e.getClass().getSimpleName() + (message == null ? "" : ": " + message);
    }

    /** The owning attempt's view of its job row. */
    private final class Control implements JobControl {

        private final UUID jobId;
        private final int attempt;
        private final WorkerActivity.Running running;
        private long patchesWrittenAtNanos;
        private boolean resumedRecorded;

        Control(UUID jobId, int attempt, WorkerActivity.Running running) {
            this.jobId = jobId;
            this.attempt = attempt;
            this.running = running;
        }

        @Override
        public UUID jobId() {
            return jobId;
        }

        @Override
        public void planned(int reused, int dropped) {
            if (!jobs.planned(jobId, attempt, reused, dropped)) {
                throw whyNotOwned();
            }
        }

        @Override
        public void progress(int done, int total) {
            running.touch();
            // The first report of an attempt is where it resumed: the base of its time-left estimate.
            boolean updated = resumedRecorded ? jobs.progress(jobId, attempt, done, total)
                    : jobs.attemptProgress(jobId, attempt, done, total);
            if (!updated) {
                throw whyNotOwned();
            }
            resumedRecorded = true;
            // A region boundary: the patch count that follows is written whatever the interval.
            patchesWrittenAtNanos = 0;
        }

        @Override
        public void patches(int done, int total) {
            running.touch();
            long now = System.nanoTime();
            if (done < total && patchesWrittenAtNanos != 0 && now - patchesWrittenAtNanos < progressInterval.toNanos()) {
                return;
            }
            patchesWrittenAtNanos = now;
            if (!jobs.patchProgress(jobId, attempt, done, total)) {
                throw whyNotOwned();
            }
        }

        @Override
        public void checkpoint() {
            running.touch();
            if (draining) {
                throw new AnalysisStopped(AnalysisStopped.Reason.RELEASED, "worker shutting down");
            }
            if (Thread.currentThread().isInterrupted()) {
                throw new AnalysisStopped(AnalysisStopped.Reason.ABANDONED, "worker interrupted");
            }
            if (jobs.cancelRequested(jobId)) {
                throw new AnalysisStopped(AnalysisStopped.Reason.CANCELLED, "cancel requested");
            }
        }

        private AnalysisStopped whyNotOwned() {
            Optional<AnalysisJob> job = jobs.find(jobId);
            if (job.isEmpty() || job.get().cancelRequested()) {
                return new AnalysisStopped(AnalysisStopped.Reason.CANCELLED, "cancel requested");
            }
            return new AnalysisStopped(AnalysisStopped.Reason.ABANDONED,
                    "attempt " + attempt + " superseded by attempt " + job.get().attempts());
        }
    }

    /** A failed attempt that should run again after {@code delay}. */
    static final class RetryLater extends RuntimeException {

        private final Duration delay;

        RetryLater(Duration delay, Throwable cause) {
            super("retry in " + delay, cause);
            this.delay = delay;
        }

        Duration delay() {
            return delay;
        }
    }
}
