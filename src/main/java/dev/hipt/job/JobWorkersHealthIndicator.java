package dev.hipt.job;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.stereotype.Component;

/**
 * {@code jobWorkers} (member of the liveness group): DOWN when every analysis worker of this process is stuck,
 * i.e. its job has made no progress for longer than {@code hipt.job.heartbeat x hipt.job.missed-heartbeats} (the
 * time after which another worker would take the job over anyway). Progress is counted per batch of patches, so
 * a long region on a CPU is not stuck. Reads only memory, never the database. Always UP on an API-only replica.
 */
@Component("jobWorkersHealthIndicator")
class JobWorkersHealthIndicator implements HealthIndicator {

    private final WorkerActivity activity;
    private final JobProperties properties;
    private final int workers;

    JobWorkersHealthIndicator(WorkerActivity activity, JobProperties properties, JobScheduling.WorkerCount workers) {
        this.activity = activity;
        this.properties = properties;
        this.workers = workers.total();
    }

    @Override
    public Health health() {
        Duration limit = properties.heartbeat().multipliedBy(properties.missedHeartbeats());
        List<WorkerActivity.Running> stuck = activity.stuck(limit, Instant.now());
        Health.Builder health = workers > 0 && stuck.size() >= workers ? Health.down() : Health.up();
        health.withDetail("workers", workers)
                .withDetail("running", activity.running().size())
                .withDetail("stuck", stuck.size())
                .withDetail("stuckAfter", limit.toString());
        if (!stuck.isEmpty()) {
            health.withDetail("stuckJobs", stuck.stream().map(r -> r.jobId().toString()).toList());
        }
        return health.build();
    }
}
