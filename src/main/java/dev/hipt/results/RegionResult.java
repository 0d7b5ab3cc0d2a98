package dev.hipt.results;

/**
 * The stored outcome of one region: where it lies (level-0 pixels) and its HIPT embeddings.
 *
 * @param cls256 ViT-256 CLS tokens, {@code [256 x 384]} row-major; kept as an {@code .npy} blob, may be {@code null}
 *               when read back without it
 */
public record RegionResult(int index, long x, long y, long width, long height, double tissueFraction,
                           float[] cls4k, float[] mean256, float[] cls256) {
}
