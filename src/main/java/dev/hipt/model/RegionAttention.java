package dev.hipt.model;

/**
 * The raw last-block CLS-to-patch attention (post-softmax) of one region, both ViTs, as HIPT's heatmaps start from.
 *
 * @param patches      ViT-256 patches in the region (256 for 4096 x 4096), row-major over the region's grid
 * @param heads256     ViT-256 heads (6)
 * @param attention256 per patch, per head, the weights from CLS to the patch's 16 x 16 cells:
 *                     {@code [patches x heads256 x 256]} row-major
 * @param heads4k      ViT-4K heads (6)
 * @param attention4k  per head, the weights from CLS to the region's patches: {@code [heads4k x patches]}
 */
public record RegionAttention(int patches, int heads256, float[] attention256, int heads4k, float[] attention4k) {
}
