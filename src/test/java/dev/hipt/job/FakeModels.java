package dev.hipt.job;

import dev.hipt.results.Provenance;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** Models without weights: configured (an encoder stand-in and provenance) or not configured at all. */
final class FakeModels implements ModelProvider {

    static final String MODEL_VERSION = "test-v1";
    static final String HOW_TO_CONFIGURE = "No HIPT checkpoints configured: set hipt.model.vit256-checkpoint and "
            + "hipt.model.vit4k-checkpoint, or hipt.model.demo-random-weights=true";

    private volatile boolean configured = true;
    private volatile String loadFailure;

    void configured(boolean configured) {
        this.configured = configured;
    }

    /** Makes {@link #models()} fail as an unloadable checkpoint does; {@code null} restores the models. */
    void loadFailure(String reason) {
        this.loadFailure = reason;
    }

    @Override
    public LoadedModels models() {
        if (!configured) {
            throw new ModelNotConfiguredException(HOW_TO_CONFIGURE);
        }
        if (loadFailure != null) {
            throw new CheckpointModelProvider.ModelLoadException(loadFailure, null);
        }
        return new LoadedModels(null, Optional.empty(), List.of(), Optional.empty(),
                new Provenance(MODEL_VERSION, false, Map.of("vit256", "00", "vit4k", "11")));
    }

    @Override
    public boolean ready() {
        return true;
    }
}
