package dev.hipt.model;

/**
 * What HIPT computes for one region (normally 4096 x 4096 at 20x).
 *
 * @param cls256      the ViT-256 CLS tokens of the region's 256 x 256 patches, row-major, {@code [patches x 384]}
 * @param mean256     the mean of {@code cls256} over patches, {@code [384]}
 * @param cls4k       the ViT-4K CLS token, {@code [192]}
 * @param attention4k the last ViT-4K block's CLS-to-patch attention, {@code [6 x patches]} row-major, or
 *                    {@code null} when not requested
 */
public record RegionEmbedding(float[] cls256, float[] mean256, float[] cls4k, float[] attention4k) {

    public int patches() {
        return cls256.length / 384;
    }
}
