package dev.hipt.job;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.context.SmartLifecycle;
import org.springframework.stereotype.Component;

/**
 * The job engine's Prometheus metrics: {@code hipt.jobs.queued} (queue depth), {@code hipt.jobs{status}} (jobs by
 * status), {@code hipt.regions.processed} (a counter: regions/s is its rate), {@code hipt.inference.latency} (one
 * encoder call over a batch of regions) and {@code hipt.job.duration{outcome}} (a job from its first start to its
 * end).
 *
 * <p>The job counts come from the database, but a scrape never waits for it: a background thread refreshes them
 * every {@code hipt.monitoring.metrics-refresh} and the gauges show the last counts (NaN until the first refresh, and once the
 * counts are older than {@link #COUNTS_MAX_AGE}, e.g. while the database is unreachable).
 */
@Component
class JobMetrics implements SmartLifecycle {

    private static final Logger log = LoggerFactory.getLogger(JobMetrics.class);

    private static final Duration COUNTS_MAX_AGE = Duration.ofSeconds(60);

    /** Latency buckets up to an hour: a batch of 4096 x 4096 regions takes minutes on a CPU. */
    private static final Duration[] INFERENCE_BUCKETS = seconds(0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300,
            600, 1200, 1800, 3600);
    /** Job duration buckets up to a day: a large slide on a CPU takes hours. */
    private static final Duration[] JOB_BUCKETS = seconds(1, 10, 30, 60, 300, 600, 1800, 3600, 7200, 14400, 28800,
            43200, 86400);

    private final AnalysisJobRepository jobs;
    private final MeterRegistry registry;
    private final Duration refreshEvery;
    private final Counter regions;
    private final Timer inference;
    private volatile Map<JobStatus, Integer> counts;
    private volatile long countedAtNanos;
    private volatile ScheduledExecutorService refresher;

    /** Metrics without the background refresh of job counts (tests of the pipeline). */
    JobMetrics(AnalysisJobRepository jobs, MeterRegistry registry) {
        this(jobs, registry, new MonitoringProperties(Duration.ofSeconds(5), Duration.ofSeconds(2)));
    }

    @Autowired
    JobMetrics(AnalysisJobRepository jobs, MeterRegistry registry, MonitoringProperties properties) {
        this.jobs = jobs;
        this.registry = registry;
        this.refreshEvery = properties.metricsRefresh();
        this.regions = Counter.builder("hipt.regions.processed")
                .description("Regions encoded and stored by analysis jobs").register(registry);
        this.inference = Timer.builder("hipt.inference.latency")
                .description("Time of one encoder call over a batch of regions")
                .serviceLevelObjectives(INFERENCE_BUCKETS)
                .minimumExpectedValue(INFERENCE_BUCKETS[0])
                .maximumExpectedValue(INFERENCE_BUCKETS[INFERENCE_BUCKETS.length - 1])
                .register(registry);
        Gauge.builder("hipt.jobs.queued", this, m -> m.count(JobStatus.QUEUED))
                .description("Analysis jobs waiting for a worker").register(registry);
        for (JobStatus status : JobStatus.values()) {
            Gauge.builder("hipt.jobs", this, m -> m.count(status)).tag("status", status.name())
                    .description("Analysis jobs by status").register(registry);
        }
    }

    void regionProcessed() {
        regions.increment();
    }

    <T> T timeInference(Supplier<T> call) {
        return inference.record(call);
    }

    /** One job ended with {@code outcome} after running {@code duration} since its first start. */
    void jobFinished(JobStatus outcome, Duration duration) {
        Timer.builder("hipt.job.duration")
                .description("Time of an analysis job from its first start to its end, by outcome")
                .tag("outcome", outcome.name())
                .serviceLevelObjectives(JOB_BUCKETS)
                .minimumExpectedValue(JOB_BUCKETS[0])
                .maximumExpectedValue(JOB_BUCKETS[JOB_BUCKETS.length - 1])
                .register(registry)
                .record(duration.isNegative() ? Duration.ZERO : duration);
    }

    /** Reads the counts from the database; runs on the refresher thread, never on a scrape. */
    void refresh() {
        try {
            counts = jobs.countsByStatus();
            countedAtNanos = System.nanoTime();
        } catch (RuntimeException e) {
            log.debug("Job counts not refreshed: {}", e.toString());
        }
    }

    private double count(JobStatus status) {
        Map<JobStatus, Integer> current = counts;
        if (current == null || System.nanoTime() - countedAtNanos > COUNTS_MAX_AGE.toNanos()) {
            return Double.NaN;
        }
        return current.getOrDefault(status, 0);
    }

    @Override
    public void start() {
        ScheduledExecutorService executor = Executors.newSingleThreadScheduledExecutor(
                JobScheduling.daemonThreads("hipt-job-metrics-"));
        executor.scheduleWithFixedDelay(this::refresh, 0, refreshEvery.toMillis(), TimeUnit.MILLISECONDS);
        refresher = executor;
    }

    @Override
    public void stop() {
        ScheduledExecutorService executor = refresher;
        refresher = null;
        if (executor != null) {
            executor.shutdownNow();
        }
    }

    @Override
    public boolean isRunning() {
        return refresher != null;
    }

    private static Duration[] seconds(double... values) {
        Duration[] durations = new Duration[values.length];
        for (int i = 0; i < values.length; i++) {
            durations[i] = Duration.ofNanos(Math.round(values[i] * 1e9));
        }
        return durations;
    }
}
