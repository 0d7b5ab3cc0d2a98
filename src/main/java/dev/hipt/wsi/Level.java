package dev.hipt.wsi;

/** One pyramid level: its size in pixels and its downsample relative to level 0. */
public record Level(int index, long width, long height, double downsample) {
}
