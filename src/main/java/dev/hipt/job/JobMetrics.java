package dev.hipt.job;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.util.Map;
import java.util.function.Supplier;
import org.springframework.stereotype.Component;

/**
 * The job engine's Prometheus metrics: {@code hipt.jobs.queued} (queue depth), {@code hipt.jobs{status}} (jobs by
 * status), {@code hipt.regions.processed} (a counter: regions/s is its rate) and {@code hipt.inference.latency}
 * (one encoder call over a batch of regions).
 */
@Component
class JobMetrics {

    private static final Duration COUNTS_MAX_AGE = Duration.ofSeconds(1);

    private final AnalysisJobRepository jobs;
    private final Counter regions;
    private final Timer inference;
    private volatile Map<JobStatus, Integer> counts;
    private volatile long countedAtNanos;

    JobMetrics(AnalysisJobRepository jobs, MeterRegistry registry) {
        this.jobs = jobs;
        this.regions = Counter.builder("hipt.regions.processed")
                .description("Regions encoded and stored by analysis jobs").register(registry);
        this.inference = Timer.builder("hipt.inference.latency")
                .description("Time of one encoder call over a batch of regions").publishPercentileHistogram()
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

    private double count(JobStatus status) {
        long now = System.nanoTime();
        Map<JobStatus, Integer> current = counts;
        if (current == null || now - countedAtNanos > COUNTS_MAX_AGE.toNanos()) {
            try {
                current = jobs.countsByStatus();
            } catch (RuntimeException e) {
                return Double.NaN;
            }
            counts = current;
            countedAtNanos = now;
        }
        return current.getOrDefault(status, 0);
    }
}
