package dev.hipt.job;

import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * How the job engine reports on itself ({@code hipt.monitoring.*}).
 *
 * @param metricsRefresh   how often a background thread re-reads the job counts behind {@code hipt.jobs} and
 *                         {@code hipt.jobs.queued}; a scrape only reads the last counts, so it never waits for the
 *                         database
 * @param progressInterval least time between two writes of a running job's patch progress; region progress is
 *                         written as each region is stored
 */
@ConfigurationProperties("hipt.monitoring")
public record MonitoringProperties(
        @DefaultValue("5s") Duration metricsRefresh,
        @DefaultValue("2s") Duration progressInterval) {

    public MonitoringProperties {
        if (metricsRefresh.isNegative() || metricsRefresh.isZero()) {
            throw new IllegalArgumentException("hipt.monitoring.metrics-refresh must be positive, was "
                    + metricsRefresh);
        }
        if (progressInterval.isNegative()) {
            throw new IllegalArgumentException("hipt.monitoring.progress-interval must not be negative, was "
                    + progressInterval);
        }
    }
}
