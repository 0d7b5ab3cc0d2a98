package dev.hipt.model;

/**
 * ViT-256/16 followed by ViT-4K/256: turns an RGB region into its {@link RegionEmbedding}. Thread-safe: the weights
 * are read-only and every call works in an NDManager of its own.
 *
 * <p>PLACEHOLDER contract, implemented by the model feature.
 */
public final class RegionEncoder implements AutoCloseable {

    private RegionEncoder() {
    }

    @Override
    public void close() {
    }
}
