/**
 * HIPT attention heatmaps: the two ViTs' last-block CLS attention per region, rank-normalised to percentiles as HIPT
 * does and stored compactly, and the images drawn from them and from per-region scores (one region, a whole slide,
 * or any level-0 rectangle of it for a tile layer).
 */
package dev.hipt.heatmap;
