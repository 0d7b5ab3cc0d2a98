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

    /**
     * Marks the models as in use by one batch (or one prediction) until the result is closed: on shutdown they are
     * released only once no batch holds them, however long the scheduler's own wait was.
     *
     * @throws AnalysisStopped (ABANDONED) when the models are being released
     */
    default InUse inUse() {
        return () -> { };
    }

    /** One batch's hold on the models. */
    interface InUse extends AutoCloseable {
        @Override
        void close();
    }
}
