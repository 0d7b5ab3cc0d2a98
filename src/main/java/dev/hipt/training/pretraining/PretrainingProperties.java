package dev.hipt.training.pretraining;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

import java.time.Duration;

/**
 * Settings of DINO pretraining jobs ({@code hipt.pretraining.*}); the device is {@code hipt.model.device}.
 *
 * @param maxAttempts       runs of one job that end in an unexpected error before it fails for good (resumptions
 *                          after a yield, a shutdown or a dead worker do not count)
 * @param yieldDelay        how long a job that handed the worker to waiting analyses stays out of the queue before
 *                          it looks again
 * @param yieldToAnalyses   whether a running job hands the worker (and the device) to queued analyses between
 *                          iterations; false lets it run to the end while analyses wait
 * @param maxSlides         the most slides one job may name (or that "all" may select)
 */
@ConfigurationProperties("hipt.pretraining")
public record PretrainingProperties(
        @DefaultValue("3") int maxAttempts,
        @DefaultValue("5s") Duration yieldDelay,
        @DefaultValue("true") boolean yieldToAnalyses,
        @DefaultValue("10000") int maxSlides) {

    public PretrainingProperties {
        if (maxAttempts < 1) {
            throw new IllegalArgumentException("hipt.pretraining.max-attempts must be at least 1, was " + maxAttempts);
        }
        if (maxSlides < 1) {
            throw new IllegalArgumentException("hipt.pretraining.max-slides must be at least 1, was " + maxSlides);
        }
    }
}
