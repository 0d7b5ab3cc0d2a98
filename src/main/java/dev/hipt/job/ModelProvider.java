package dev.hipt.job;

/** Gives the workers their models; the service starts and validates slides without them. */
public interface ModelProvider {

    /**
     * The loaded models.
     *
     * @throws ModelNotConfiguredException when no ViT-256/ViT-4K checkpoints are configured and demo weights are off
     */
    LoadedModels models();

    /** Whether the configured models are loaded (or none are configured): feeds the readiness probe. */
    boolean ready();
}
