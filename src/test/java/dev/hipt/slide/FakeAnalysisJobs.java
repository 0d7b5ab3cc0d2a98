package dev.hipt.slide;

import dev.hipt.job.AnalysisJobs;
import dev.hipt.job.AnalysisRequest;
import dev.hipt.job.JobStatus;
import dev.hipt.job.JobView;
import dev.hipt.job.QueueFullException;
import java.time.Duration;
import java.time.Instant;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

/** An in-memory {@link AnalysisJobs} that records submissions and can be told the queue is full. */
public class FakeAnalysisJobs implements AnalysisJobs {

    private final Map<UUID, JobView> jobs = new ConcurrentHashMap<>();
    private final List<AnalysisRequest> submitted = new CopyOnWriteArrayList<>();
    private final List<UUID> cancelled = new CopyOnWriteArrayList<>();
    private volatile boolean queueFull;

    /** Like the real engine: a slide's active (QUEUED or RUNNING) job is returned instead of queueing another. */
    @Override
    public synchronized Submission enqueue(AnalysisRequest request) {
        Optional<JobView> active = jobs.values().stream()
                .filter(job -> job.slideId().equals(request.slideId()) && !job.status().isFinal()).findFirst();
        if (active.isPresent()) {
            return new Submission(active.get(), false);
        }
        if (queueFull) {
            throw new QueueFullException(100, Duration.ofSeconds(42));
        }
        submitted.add(request);
        Instant now = Instant.now();
        JobView job = new JobView(UUID.randomUUID(), request.slideId(), JobStatus.QUEUED, new JobView.Progress(0, 0),
                null, now, null, null, new JobView.Regions(request.recomputeAll(), 0, 0, 0));
        jobs.put(job.id(), job);
        return new Submission(job, true);
    }

    /** Ends a job as if its analysis had succeeded. */
    public void succeed(UUID jobId) {
        JobView job = jobs.get(jobId);
        jobs.put(jobId, new JobView(job.id(), job.slideId(), JobStatus.SUCCEEDED, job.progress(), null,
                job.createdAt(), job.startedAt(), Instant.now(), job.regions()));
    }

    @Override
    public Optional<JobView> find(UUID jobId) {
        return Optional.ofNullable(jobs.get(jobId));
    }

    @Override
    public Optional<JobView> latestForSlide(UUID slideId) {
        return jobs.values().stream().filter(job -> job.slideId().equals(slideId))
                .max(Comparator.comparing(JobView::createdAt));
    }

    @Override
    public Optional<JobView> cancel(UUID jobId) {
        JobView job = jobs.get(jobId);
        if (job == null) {
            return Optional.empty();
        }
        cancelled.add(jobId);
        JobView done = new JobView(job.id(), job.slideId(), JobStatus.CANCELLED, job.progress(), null,
                job.createdAt(), job.startedAt(), Instant.now(), job.regions());
        jobs.put(jobId, done);
        return Optional.of(done);
    }

    public List<AnalysisRequest> submitted() {
        return submitted;
    }

    public List<UUID> cancelled() {
        return cancelled;
    }

    public long jobsForSlide(UUID slideId) {
        return jobs.values().stream().filter(job -> job.slideId().equals(slideId)).count();
    }

    public void queueFull(boolean full) {
        this.queueFull = full;
    }
}
