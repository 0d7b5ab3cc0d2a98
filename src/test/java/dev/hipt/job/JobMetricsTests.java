package dev.hipt.job;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.distribution.CountAtBucket;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Duration;
import java.util.Arrays;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class JobMetricsTests {

    // Prometheus' registry, which publishes histogram buckets as the service does.
    private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    private final JobMetrics metrics = new JobMetrics(null, registry);

    @Test
    void inferenceLatencyBucketsReachAnHourSoSlowCpuBatchesAreNotAllInTheOverflowBucket() {
        // A batch of regions on a CPU takes minutes: 20 minutes must land in a finite bucket, and the one of an hour.
        metrics.timeInference(() -> null);
        registry.get("hipt.inference.latency").timer().record(Duration.ofMinutes(20));

        CountAtBucket[] buckets = registry.get("hipt.inference.latency").timer().takeSnapshot().histogramCounts();
        double[] bounds = Arrays.stream(buckets).mapToDouble(b -> b.bucket(TimeUnit.SECONDS)).toArray();
        assertThat(bounds).contains(0.1, 1.0, 30.0, 60.0, 600.0, 3600.0);
        CountAtBucket hour = Arrays.stream(buckets).filter(b -> b.bucket(TimeUnit.SECONDS) == 3600.0).findFirst()
                .orElseThrow();
        assertThat(hour.count()).as("cumulative count at le=3600s").isEqualTo(2);
        CountAtBucket tenMinutes = Arrays.stream(buckets).filter(b -> b.bucket(TimeUnit.SECONDS) == 600.0)
                .findFirst().orElseThrow();
        assertThat(tenMinutes.count()).isEqualTo(1);
    }

    @Test
    void jobDurationIsATimerByOutcomeWithBucketsOfHours() {
        metrics.jobFinished(JobStatus.SUCCEEDED, Duration.ofHours(3));
        metrics.jobFinished(JobStatus.FAILED, Duration.ofSeconds(5));

        assertThat(registry.get("hipt.job.duration").tag("outcome", "SUCCEEDED").timer().count()).isEqualTo(1);
        assertThat(registry.get("hipt.job.duration").tag("outcome", "FAILED").timer().totalTime(TimeUnit.SECONDS))
                .isEqualTo(5.0);
        double[] bounds = Arrays.stream(registry.get("hipt.job.duration").tag("outcome", "SUCCEEDED").timer()
                .takeSnapshot().histogramCounts()).mapToDouble(b -> b.bucket(TimeUnit.SECONDS)).toArray();
        assertThat(bounds).contains(3600.0, 14400.0, 86400.0);
    }
}
