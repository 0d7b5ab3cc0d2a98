package dev.hipt.system;

import com.zaxxer.hikari.HikariDataSource;
import com.zaxxer.hikari.HikariPoolMXBean;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import javax.sql.DataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.context.SmartLifecycle;
import org.springframework.stereotype.Component;

/**
 * {@code connectionPool} (member of the liveness group): DOWN once the database connection pool has been
 * exhausted for {@code hipt.liveness.pool-exhausted-after}: every connection in use, callers waiting for one, and
 * not one connection given back in all that time (a leak, or threads stuck holding connections). A database that
 * is down does not exhaust the pool (connections fail instead of being held), so that stays a readiness matter.
 *
 * <p>A background thread samples Hikari's pool MXBean (and, when metrics are on, its usage timer, which counts
 * connections given back); the probe only reads the last sample, so it never needs a connection itself.
 */
@Component("connectionPool")
class ConnectionPoolHealthIndicator implements HealthIndicator, SmartLifecycle {

    private static final Logger log = LoggerFactory.getLogger(ConnectionPoolHealthIndicator.class);

    private final DataSource dataSource;
    private final ObjectProvider<MeterRegistry> meters;
    private final LivenessProperties properties;
    private volatile ScheduledExecutorService sampler;
    private volatile Sample last;
    private volatile Instant exhaustedSince;
    private long lastReturned = -1;

    ConnectionPoolHealthIndicator(DataSource dataSource, ObjectProvider<MeterRegistry> meters,
                                  LivenessProperties properties) {
        this.dataSource = dataSource;
        this.meters = meters;
        this.properties = properties;
    }

    /** One reading of the pool. */
    record Sample(int active, int idle, int max, int waiting, long returned) {
        boolean saturated() {
            return max > 0 && active >= max && waiting > 0;
        }
    }

    @Override
    public Health health() {
        Sample sample = last;
        if (sample == null) {
            return Health.up().withDetail("pool", hikari() == null ? "not a Hikari pool" : "not sampled yet").build();
        }
        Instant since = exhaustedSince;
        Duration exhausted = since == null ? Duration.ZERO : Duration.between(since, Instant.now());
        boolean down = since != null && exhausted.compareTo(properties.poolExhaustedAfter()) >= 0;
        Health.Builder health = down ? Health.down() : Health.up();
        health.withDetail("active", sample.active()).withDetail("idle", sample.idle())
                .withDetail("max", sample.max()).withDetail("waiting", sample.waiting())
                .withDetail("exhaustedFor", exhausted.toString())
                .withDetail("downAfter", properties.poolExhaustedAfter().toString());
        return health.build();
    }

    /** Reads the pool once; the clock of exhaustion restarts whenever a connection comes back or one is free. */
    void sample() {
        HikariDataSource pool = hikari();
        HikariPoolMXBean mx = pool == null ? null : pool.getHikariPoolMXBean();
        if (mx == null) {
            return;
        }
        Sample sample = new Sample(mx.getActiveConnections(), mx.getIdleConnections(), pool.getMaximumPoolSize(),
                mx.getThreadsAwaitingConnection(), returned(pool.getPoolName()));
        boolean progressed = sample.returned() >= 0 && sample.returned() != lastReturned;
        lastReturned = sample.returned();
        if (!sample.saturated()) {
            exhaustedSince = null;
        } else if (exhaustedSince == null || progressed) {
            exhaustedSince = Instant.now();
        }
        last = sample;
    }

    /** Connections given back to the pool so far, from Hikari's Micrometer usage timer; -1 without metrics. */
    private long returned(String poolName) {
        MeterRegistry registry = meters.getIfAvailable();
        Timer usage = registry == null ? null
                : registry.find("hikaricp.connections.usage").tag("pool", poolName).timer();
        return usage == null ? -1 : usage.count();
    }

    private HikariDataSource hikari() {
        try {
            return dataSource.isWrapperFor(HikariDataSource.class) ? dataSource.unwrap(HikariDataSource.class)
                    : null;
        } catch (SQLException e) {
            return null;
        }
    }

    @Override
    public void start() {
        ScheduledExecutorService executor = Executors.newSingleThreadScheduledExecutor(runnable -> {
            Thread thread = new Thread(runnable, "hipt-pool-liveness");
            thread.setDaemon(true);
            return thread;
        });
        executor.scheduleWithFixedDelay(() -> {
            try {
                sample();
            } catch (RuntimeException e) {
                log.debug("Connection pool not sampled: {}", e.toString());
            }
        }, 0, properties.poolSampleInterval().toMillis(), TimeUnit.MILLISECONDS);
        sampler = executor;
    }

    @Override
    public void stop() {
        ScheduledExecutorService executor = sampler;
        sampler = null;
        if (executor != null) {
            executor.shutdownNow();
        }
    }

    @Override
    public boolean isRunning() {
        return sampler != null;
    }
}
