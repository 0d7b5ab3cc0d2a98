package dev.hipt.job;

import dev.hipt.job.CheckpointModelProvider.Status;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.stereotype.Component;

/**
 * Health contributor {@code models} (member of the readiness group): UP when the configured models are loaded or
 * none are configured, DOWN while loading and when loading failed, with the reason.
 */
@Component("modelsHealthIndicator")
class ModelsHealthIndicator implements HealthIndicator {

    private final CheckpointModelProvider provider;

    ModelsHealthIndicator(CheckpointModelProvider provider) {
        this.provider = provider;
    }

    @Override
    public Health health() {
        Status status = provider.status();
        Health.Builder health = provider.ready() ? Health.up() : Health.down();
        health.withDetail("state", status.state().name());
        if (status.reason() != null) {
            health.withDetail("reason", status.reason());
        }
        if (status.provenance() != null) {
            health.withDetail("modelVersion", status.provenance().modelVersion())
                    .withDetail("untrained", status.provenance().untrained());
            if (status.provenance().precision() != null) {
                health.withDetail("precision", status.provenance().precision())
                        .withDetail("precisionNative", status.precisionNative());
            }
        }
        return health.build();
    }
}
