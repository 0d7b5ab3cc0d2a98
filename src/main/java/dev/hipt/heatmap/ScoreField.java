package dev.hipt.heatmap;

import java.util.List;

/**
 * A slide-level layer ready to draw: per region its level-0 rectangle and a square grid of values in [0, 1] (one
 * value for a per-region score), with what the colour bar says.
 *
 * @param title   what the layer shows, for the legend
 * @param low     label of value 0 on the colour bar
 * @param high    label of value 1 on the colour bar
 */
record ScoreField(List<Cell> regions, String title, String low, String high, ColorMap colors) {

    /** One region: level-0 rectangle and {@code grid x grid} values row-major. */
    record Cell(long x, long y, long width, long height, int grid, float[] values) {
    }
}
