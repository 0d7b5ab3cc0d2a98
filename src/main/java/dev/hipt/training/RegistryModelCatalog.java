package dev.hipt.training;

import dev.hipt.job.ModelCatalog;
import java.time.Duration;
import java.util.Optional;
import org.springframework.stereotype.Component;

/** The model provider's view of the registry: the active set and the generation every replica polls. */
@Component
class RegistryModelCatalog implements ModelCatalog {

    private final ModelRegistry registry;
    private final Duration pollInterval;

    RegistryModelCatalog(ModelRegistry registry, ModelRegistryProperties properties) {
        this.registry = registry;
        this.pollInterval = properties.pollInterval();
    }

    @Override
    public long generation() {
        return registry.generation();
    }

    @Override
    public Duration pollInterval() {
        return pollInterval;
    }

    /** Read after the generation: a change in between moves the generation again, and the next poll loads it. */
    @Override
    public Optional<ActiveSet> active() {
        long generation = registry.generation();
        Optional<RegisteredModel> vit256 = registry.active(ModelKind.VIT256);
        Optional<RegisteredModel> vit4k = registry.active(ModelKind.VIT4K);
        if (vit256.isEmpty() || vit4k.isEmpty()) {
            return Optional.empty();
        }
        return Optional.of(new ActiveSet(generation, checkpoint(vit256.get()), checkpoint(vit4k.get()),
                registry.active(ModelKind.SUBTYPE_HEAD).map(this::checkpoint),
                registry.active(ModelKind.SURVIVAL_HEAD).map(this::checkpoint)));
    }

    private Checkpoint checkpoint(RegisteredModel model) {
        return new Checkpoint(model.id(), model.sha256(), registry.checkpointFile(model.id()), model.classes());
    }
}
