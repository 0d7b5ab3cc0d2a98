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

    /**
     * The models with a hold on them until the lease is closed: activating other models (see {@link ModelCatalog})
     * releases these only once no lease holds them. A job takes one for its whole run, so that one slide is
     * analysed with one set. Batches still take {@link #inUse()} for shutdown.
     */
    default Lease lease() {
        return new Lease(models(), () -> { });
    }

    /**
     * A hold on one set of models.
     *
     * @param models the models held
     * @param hold   released by {@link #close()}
     */
    record Lease(LoadedModels models, InUse hold) implements AutoCloseable {
        @Override
        public void close() {
            hold.close();
        }
    }

    /** One batch's hold on the models. */
    interface InUse extends AutoCloseable {
        @Override
        void close();
    }
}
