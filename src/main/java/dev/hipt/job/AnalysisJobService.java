package dev.hipt.job;

import com.github.kagkarlsson.scheduler.Scheduler;
import com.github.kagkarlsson.scheduler.SchedulerClient;
import com.github.kagkarlsson.scheduler.task.TaskInstanceId;
import com.github.kagkarlsson.scheduler.task.helper.OneTimeTask;
import java.time.Instant;
import java.util.Objects;
import java.util.Optional;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Service;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.support.TransactionSynchronization;
import org.springframework.transaction.support.TransactionSynchronizationManager;
import org.springframework.transaction.support.TransactionTemplate;

/** {@link AnalysisJobs} on the {@code analysis_job} table and db-scheduler's persistent queue. */
@Service
class AnalysisJobService implements AnalysisJobs {

    private static final Logger log = LoggerFactory.getLogger(AnalysisJobService.class);

    private final AnalysisJobRepository jobs;
    private final SchedulerClient queue;
    private final OneTimeTask<AnalysisTaskData> task;
    private final JobProperties properties;

    private final TransactionTemplate transaction;

    AnalysisJobService(AnalysisJobRepository jobs, SchedulerClient queue, OneTimeTask<AnalysisTaskData> task,
                       JobProperties properties, PlatformTransactionManager transactions) {
        this.jobs = jobs;
        this.queue = queue;
        this.task = task;
        this.properties = properties;
        this.transaction = new TransactionTemplate(transactions);
    }

    @Override
    public Submission enqueue(AnalysisRequest request) {
        Objects.requireNonNull(request.slideId(), "slideId");
        Objects.requireNonNull(request.blobKey(), "blobKey");
        // One transaction (the caller's, when it has one) from the lock to the queue entry: the lock row makes
        // concurrent submissions take turns, so the active-job lookup, the queue count and the insert are one step.
        return transaction.execute(status -> {
            jobs.lockQueue();
            Optional<AnalysisJob> active = jobs.activeForSlide(request.slideId());
            if (active.isPresent()) {
                log.info("Slide {} already has active analysis job {}: not queueing another", request.slideId(),
                        active.get().id());
                return new Submission(active.get().view(), false);
            }
            int queued = jobs.countByStatus(JobStatus.QUEUED);
            if (queued >= properties.maxQueued()) {
                throw new QueueFullException(queued, properties.retryAfter());
            }
            Instant now = AnalysisJobRepository.nowInstant();
            AnalysisJob job = new AnalysisJob(UUID.randomUUID(), request.slideId(), JobStatus.QUEUED,
                    request.blobKey(), request.mppOverride(), request.recomputeAll(), 0, 0, 0, 0, 0, false, null,
                    null, now, null, null, now, 0);
            jobs.insert(job);
            // Through a transaction-aware DataSource: row and execution commit (or roll back) together.
            queue.schedule(task.instance(job.id().toString(), new AnalysisTaskData(job.id())), now);
            wakeWorkersAfterCommit();
            log.info("Queued analysis job {} for slide {}", job.id(), job.slideId());
            return new Submission(job.view(), true);
        });
    }

    @Override
    public Optional<JobView> find(UUID jobId) {
        return jobs.find(jobId).map(AnalysisJob::view);
    }

    @Override
    public Optional<JobView> latestForSlide(UUID slideId) {
        return jobs.latestForSlide(slideId).map(AnalysisJob::view);
    }

    @Override
    public Optional<JobView> cancel(UUID jobId) {
        for (int tries = 0; tries < 10; tries++) {
            Optional<AnalysisJob> found = jobs.find(jobId);
            if (found.isEmpty()) {
                return Optional.empty();
            }
            AnalysisJob job = found.get();
            if (job.status().isFinal()) {
                return Optional.of(job.view());
            }
            if (job.status() == JobStatus.QUEUED) {
                if (jobs.finishIdle(job, JobStatus.CANCELLED, null, null)) {
                    removeExecution(jobId);
                    log.info("Cancelled queued analysis job {}", jobId);
                    return find(jobId);
                }
            } else if (job.cancelRequested() || jobs.requestCancel(job)) {
                log.info("Cancel requested for running analysis job {}", jobId);
                return find(jobId);
            }
        }
        throw new IllegalStateException("analysis job " + jobId + " keeps changing; cancel again");
    }

    private void removeExecution(UUID jobId) {
        try {
            queue.cancel(TaskInstanceId.of(JobScheduling.TASK_NAME, jobId.toString()));
        } catch (RuntimeException e) {
            // Picked by a worker just now, or already gone: a worker that picks it finds the job cancelled and
            // ends the execution itself, so nothing is lost by leaving it.
            log.debug("Execution of cancelled job {} not removed: {}", jobId, e.toString());
        }
    }

    private void wakeWorkersAfterCommit() {
        if (TransactionSynchronizationManager.isSynchronizationActive()) {
            TransactionSynchronizationManager.registerSynchronization(new TransactionSynchronization() {
                @Override
                public void afterCommit() {
                    wakeWorkers();
                }
            });
        } else {
            wakeWorkers();
        }
    }

    private void wakeWorkers() {
        if (queue instanceof Scheduler scheduler) {
            scheduler.triggerCheckForDueExecutions();
        }
    }

}
