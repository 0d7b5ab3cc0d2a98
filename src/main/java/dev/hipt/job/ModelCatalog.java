package dev.hipt.job;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

/**
 * Which checkpoints are active, as the model registry (feature {@code training}) keeps them in the database: the
 * model provider loads the active set and swaps to a new one when {@link #generation()} moves, on every replica.
 */
public interface ModelCatalog {

    /** A cheap read that changes whenever any kind's active model does. */
    long generation();

    /** How often to read {@link #generation()}. */
    Duration pollInterval();

    /** The active set, or empty when no ViT-256 and ViT-4K are both active. */
    Optional<ActiveSet> active();

    /**
     * The active checkpoints.
     *
     * @param generation the {@link #generation()} this set was read at
     * @param vit256     the active ViT-256
     * @param vit4k      the active ViT-4K
     * @param subtype    the active subtype head, if any
     * @param survival   the active survival head, if any
     */
    record ActiveSet(long generation, Checkpoint vit256, Checkpoint vit4k, Optional<Checkpoint> subtype,
                     Optional<Checkpoint> survival) {
    }

    /**
     * One registered checkpoint.
     *
     * @param id      its id in the registry
     * @param sha256  hex SHA-256 of the file
     * @param file    a local copy to load
     * @param classes subtype heads: class names in logit order; else empty
     */
    record Checkpoint(UUID id, String sha256, Path file, List<String> classes) {
    }
}
