package dev.hipt.job;

import com.github.kagkarlsson.scheduler.Scheduler;
import com.github.kagkarlsson.scheduler.SchedulerState;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.stereotype.Component;

/** {@code jobScheduler}: UP while this process's analysis workers poll the queue. */
@Component("jobSchedulerHealthIndicator")
class JobSchedulerHealthIndicator implements HealthIndicator {

    private final Scheduler scheduler;
    private final JobProperties properties;

    JobSchedulerHealthIndicator(Scheduler scheduler, JobProperties properties) {
        this.scheduler = scheduler;
        this.properties = properties;
    }

    @Override
    public Health health() {
        SchedulerState state = scheduler.getSchedulerState();
        Health.Builder health = state.isStarted() && !state.isShuttingDown() ? Health.up() : Health.down();
        return health.withDetail("started", state.isStarted())
                .withDetail("shuttingDown", state.isShuttingDown())
                .withDetail("workers", properties.workersPerDevice())
                .withDetail("running", scheduler.getCurrentlyExecuting().size())
                .build();
    }
}
