package dev.hipt.results;

import java.util.Optional;

/**
 * Which backbone (ViT-256 + ViT-4K) is active now, provided by the feature that owns activation (the model
 * registry): the results answers compare it with the backbone that made the stored embeddings, so a client sees
 * when a slide's embeddings and predictions come from a backbone that is no longer active and should be reanalysed.
 */
public interface ActiveBackbone {

    /** The {@link Provenance#modelVersion()} of the active backbone; empty when no ViT-256 and ViT-4K are active. */
    Optional<String> modelVersion();
}
