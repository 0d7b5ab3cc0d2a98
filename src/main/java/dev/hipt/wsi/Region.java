package dev.hipt.wsi;

/**
 * One analysis region of the grid: a 4096 x 4096 square at the target magnification, located in level-0
 * pixels. At 40x its level-0 footprint is 8192 x 8192.
 *
 * @param index          position in the grid's row-major order of kept regions
 * @param x              level-0 left edge
 * @param y              level-0 top edge
 * @param width          level-0 width covered
 * @param height         level-0 height covered
 * @param tissueFraction fraction of the region's area that the tissue mask marks as tissue, in [0, 1]
 */
public record Region(int index, long x, long y, long width, long height, double tissueFraction) {
}
