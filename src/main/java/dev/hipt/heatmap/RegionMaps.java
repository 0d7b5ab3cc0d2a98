package dev.hipt.heatmap;

/**
 * One region's attention maps as percentiles (one byte each, see {@link Percentiles#decode}), over square grids of
 * cells laid on the region row-major.
 *
 * @param heads4k       ViT-4K heads
 * @param grid4k        cells per side of each ViT-4K map (16: one per 256 px patch; 32 when smoothed with offsets)
 * @param percentile4k  {@code [heads4k x grid4k x grid4k]}
 * @param heads256      ViT-256 heads, 0 while the ViT-256 maps are not computed
 * @param grid256       cells per side of each ViT-256 map over the whole region (256 for 4096 px: 16 px cells)
 * @param percentile256 {@code [heads256 x grid256 x grid256]}, or {@code null} while not computed
 * @param offsets       whether the maps were smoothed over HIPT's shifted passes
 */
record RegionMaps(int heads4k, int grid4k, byte[] percentile4k, int heads256, int grid256, byte[] percentile256,
                  boolean offsets) {

    boolean hasVit256() {
        return percentile256 != null;
    }

    /** The ViT-4K percentile of head {@code head} at fractional region position (u, v) in [0, 1). */
    float at4k(int head, double u, double v) {
        return Percentiles.decode(percentile4k[cell(head, grid4k, u, v)]);
    }

    /** The ViT-256 percentile of head {@code head} at fractional region position (u, v) in [0, 1). */
    float at256(int head, double u, double v) {
        return Percentiles.decode(percentile256[cell(head, grid256, u, v)]);
    }

    private static int cell(int head, int grid, double u, double v) {
        int col = Math.min(grid - 1, (int) (u * grid));
        int row = Math.min(grid - 1, (int) (v * grid));
        return (head * grid + row) * grid + col;
    }
}
