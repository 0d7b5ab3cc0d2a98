package dev.hipt.wsi;

import java.util.ArrayList;
import java.util.List;

/**
 * The analysis grid of a slide: squares of a fixed level-0 side on a grid anchored at the slide origin (0, 0),
 * covering the whole slide (the last row and column may reach past its edge, where reads come out black), in
 * row-major order, keeping the squares that hold tissue.
 */
public final class RegionGrid {

    /** More regions than a list (and a job's progress counter) can hold is a mistaken region side. */
    private static final long MAX_REGIONS = Integer.MAX_VALUE;

    private RegionGrid() {
    }

    private static long ceilDiv(long length, long side) {
        return length / side + (length % side == 0 ? 0 : 1);
    }

    /**
     * Plans the regions of a slide.
     *
     * @param md                 the slide's metadata (its level-0 width and height)
     * @param mask               the slide's tissue mask
     * @param level0RegionSide   side of one region in level-0 pixels: {@code round(4096 * targetMpp / slideMpp)},
     *                           4096 at 0.5 um/px, 8192 at 0.25 um/px
     * @param minTissueFraction  a region is kept when its tissue fraction is strictly above this (0: any tissue)
     * @return the kept regions, {@link Region#index()} numbering them 0, 1, ... in row-major order
     * @throws SlideException with {@link SlideErrorCode#NO_TISSUE} when no region is kept
     */
    public static List<Region> plan(SlideMetadata md, TissueMask mask, long level0RegionSide,
                                    double minTissueFraction) {
        if (level0RegionSide < 1) {
            throw new IllegalArgumentException("region side must be positive: " + level0RegionSide);
        }
        if (!(minTissueFraction >= 0 && minTissueFraction < 1)) {
            throw new IllegalArgumentException("minTissueFraction must be in [0, 1): " + minTissueFraction);
        }
        // (width + side - 1) / side overflows for a huge side (an absurd mpp): divide first, then round up
        long cols = ceilDiv(md.width(), level0RegionSide);
        long rows = ceilDiv(md.height(), level0RegionSide);
        if (cols > MAX_REGIONS / Math.max(1, rows)) {
            throw new IllegalArgumentException("a grid of " + cols + " x " + rows + " regions is too large");
        }
        List<Region> regions = new ArrayList<>();
        for (long r = 0; r < rows; r++) {
            for (long c = 0; c < cols; c++) {
                long x = c * level0RegionSide;
                long y = r * level0RegionSide;
                double fraction = mask.tissueFraction(x, y, level0RegionSide, level0RegionSide);
                if (fraction > minTissueFraction) {
                    regions.add(new Region(regions.size(), x, y, level0RegionSide, level0RegionSide, fraction));
                }
            }
        }
        if (regions.isEmpty()) {
            throw new SlideException(SlideErrorCode.NO_TISSUE, String.format(
                    "no tissue: none of the %d x %d regions of %d level-0 px holds a tissue fraction above %s",
                    cols, rows, level0RegionSide, minTissueFraction));
        }
        return List.copyOf(regions);
    }

    /** {@link #plan(SlideMetadata, TissueMask, long, double)} keeping every region that holds any tissue. */
    public static List<Region> plan(SlideMetadata md, TissueMask mask, long level0RegionSide) {
        return plan(md, mask, level0RegionSide, 0.0);
    }
}
