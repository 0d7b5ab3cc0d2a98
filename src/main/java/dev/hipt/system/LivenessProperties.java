package dev.hipt.system;

import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * When liveness ({@code /actuator/health/liveness}) reports the process as broken, so that Kubernetes restarts it
 * ({@code hipt.liveness.*}).
 *
 * @param poolExhaustedAfter liveness goes DOWN once every database connection has been in use, with callers
 *                           waiting for one and none returned to the pool, for this long
 * @param poolSampleInterval how often a background thread reads the connection pool's counters (from its MXBean,
 *                           never by borrowing a connection)
 */
@ConfigurationProperties("hipt.liveness")
public record LivenessProperties(
        @DefaultValue("60s") Duration poolExhaustedAfter,
        @DefaultValue("1s") Duration poolSampleInterval) {

    public LivenessProperties {
        if (poolExhaustedAfter.isNegative() || poolExhaustedAfter.isZero()) {
            throw new IllegalArgumentException("hipt.liveness.pool-exhausted-after must be positive, was "
                    + poolExhaustedAfter);
        }
        if (poolSampleInterval.isNegative() || poolSampleInterval.isZero()) {
            throw new IllegalArgumentException("hipt.liveness.pool-sample-interval must be positive, was "
                    + poolSampleInterval);
        }
    }
}
