package dev.hipt.job;

import com.github.kagkarlsson.scheduler.Scheduler;
import com.github.kagkarlsson.scheduler.SchedulerClient;
import com.github.kagkarlsson.scheduler.SchedulerState;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.stereotype.Component;

/** {@code jobScheduler}: UP while this process's analysis workers poll the queue (always UP on an
 * API-only replica). */
@Component("jobSchedulerHealthIndicator")
class JobSchedulerHealthIndicator implements HealthIndicator {

    private final SchedulerClient queue;
    private final int workers;

    JobSchedulerHealthIndicator(SchedulerClient queue, JobScheduling.WorkerCount workers) {
        this.queue = queue;
        this.workers = workers.total();
    }

    @Override
    public Health health() {
        if (!(queue instanceof Scheduler scheduler)) {
            return Health.up().withDetail("workers", 0).build();
        }
        SchedulerState state = scheduler.getSchedulerState();
        Health.Builder health = state.isStarted() && !state.isShuttingDown() ? Health.up() : Health.down();
        return health.withDetail("started", state.isStarted())
                .withDetail("shuttingDown", state.isShuttingDown())
                .withDetail("workers", workers)
                .withDetail("running", scheduler.getCurrentlyExecuting().size())
                .build();
    }
}
