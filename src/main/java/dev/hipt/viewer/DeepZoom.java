package dev.hipt.viewer;

import dev.hipt.wsi.Level;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Deep Zoom geometry of a slide, counted as Deep Zoom and OpenSeadragon count it: level 0 is 1 x 1 pixel, each level
 * doubles the one below, the top level is the slide at full resolution. A tile is {@code tileSize} pixels plus
 * {@code overlap} pixels on each side that has a neighbour. Each Deep Zoom level is read from the slide level with
 * the largest downsample not above the Deep Zoom level's (OpenSlide's best level for a downsample), then scaled
 * down; the mapping follows openslide-python's {@code DeepZoomGenerator}, so the tiles line up with tools built on
 * it.
 */
final class DeepZoom {

    private final long width;
    private final long height;
    private final int tileSize;
    private final int overlap;
    private final List<Level> slideLevels;
    /** Deep Zoom level sizes, level 0 (1 x 1) first. */
    private final long[][] sizes;

    DeepZoom(long width, long height, List<Level> slideLevels, int tileSize, int overlap) {
        if (width < 1 || height < 1 || slideLevels.isEmpty() || tileSize < 1 || overlap < 0) {
            throw new IllegalArgumentException("bad Deep Zoom geometry");
        }
        this.width = width;
        this.height = height;
        this.slideLevels = List.copyOf(slideLevels);
        this.tileSize = tileSize;
        this.overlap = overlap;
        List<long[]> halvings = new ArrayList<>();
        long w = width;
        long h = height;
        halvings.add(new long[] {w, h});
        while (w > 1 || h > 1) {
            w = Math.max(1, (w + 1) / 2);
            h = Math.max(1, (h + 1) / 2);
            halvings.add(new long[] {w, h});
        }
        sizes = new long[halvings.size()][];
        for (int i = 0; i < sizes.length; i++) {
            sizes[i] = halvings.get(sizes.length - 1 - i);
        }
    }

    long width() {
        return width;
    }

    long height() {
        return height;
    }

    int tileSize() {
        return tileSize;
    }

    int overlap() {
        return overlap;
    }

    int levelCount() {
        return sizes.length;
    }

    /** Width and height in pixels of Deep Zoom level {@code z}. */
    long[] levelSize(int z) {
        return sizes[z].clone();
    }

    /** Columns and rows of tiles of Deep Zoom level {@code z}. */
    long[] tiles(int z) {
        return new long[] {ceilDiv(sizes[z][0], tileSize), ceilDiv(sizes[z][1], tileSize)};
    }

    /** Level-0 pixels per pixel of Deep Zoom level {@code z}: a power of two, 1 at the top level. */
    double downsample(int z) {
        return Math.pow(2, sizes.length - 1 - z);
    }

    /** The tile at column {@code col}, row {@code row} of Deep Zoom level {@code z}; empty when there is none. */
    Optional<Tile> tile(int z, long col, long row) {
        if (z < 0 || z >= sizes.length) {
            return Optional.empty();
        }
        long[] grid = tiles(z);
        if (col < 0 || row < 0 || col >= grid[0] || row >= grid[1]) {
            return Optional.empty();
        }
        int slideLevel = bestSlideLevel(downsample(z));
        double levelDownsample = slideLevels.get(slideLevel).downsample();
        double zToLevel = downsample(z) / levelDownsample;
        Level level = slideLevels.get(slideLevel);
        int left = col == 0 ? 0 : overlap;
        int top = row == 0 ? 0 : overlap;
        int right = col == grid[0] - 1 ? 0 : overlap;
        int bottom = row == grid[1] - 1 ? 0 : overlap;
        int zWidth = (int) (Math.min(tileSize, sizes[z][0] - tileSize * col) + left + right);
        int zHeight = (int) (Math.min(tileSize, sizes[z][1] - tileSize * row) + top + bottom);
        long zX = tileSize * col;
        long zY = tileSize * row;
        // as DeepZoomGenerator: the overlap is taken off in slide-level pixels, the location rounded down, the size up
        double lX = zToLevel * zX - left;
        double lY = zToLevel * zY - top;
        long x0 = (long) (levelDownsample * lX);
        long y0 = (long) (levelDownsample * lY);
        int lWidth = (int) Math.min(Math.ceil(zToLevel * zWidth), level.width() - Math.ceil(lX));
        int lHeight = (int) Math.min(Math.ceil(zToLevel * zHeight), level.height() - Math.ceil(lY));
        return Optional.of(new Tile(z, col, row, slideLevel, x0, y0, Math.max(1, lWidth), Math.max(1, lHeight),
                zWidth, zHeight, zX - left, zY - top));
    }

    /** OpenSlide's {@code openslide_get_best_level_for_downsample}: the last level whose downsample is not above. */
    int bestSlideLevel(double downsample) {
        if (downsample < slideLevels.get(0).downsample()) {
            return 0;
        }
        for (int i = 1; i < slideLevels.size(); i++) {
            if (downsample < slideLevels.get(i).downsample()) {
                return i - 1;
            }
        }
        return slideLevels.size() - 1;
    }

    /** The Deep Zoom Image descriptor (DZI XML) with tiles in {@code format} ({@code jpeg}, {@code png}). */
    String descriptor(String format) {
        return """
                <?xml version="1.0" encoding="UTF-8"?>
                <Image xmlns="http://schemas.microsoft.com/deepzoom/2008" Format="%s" Overlap="%d" TileSize="%d">\
                <Size Width="%d" Height="%d"/></Image>
                """.formatted(format, overlap, tileSize, width, height);
    }

    private static long ceilDiv(long a, long b) {
        return (a + b - 1) / b;
    }

    /**
     * One tile: what to read from the slide and how large the tile comes out.
     *
     * @param slideLevel the slide level to read
     * @param x0         level-0 x of the read's top-left corner
     * @param y0         level-0 y of the read's top-left corner
     * @param readWidth  pixels of {@code slideLevel} to read across
     * @param readHeight pixels of {@code slideLevel} to read down
     * @param width      the tile's width in pixels (overlap included)
     * @param height     the tile's height in pixels
     * @param zX         x in Deep Zoom level pixels of the tile's first column (overlap included)
     * @param zY         y in Deep Zoom level pixels of the tile's first row
     */
    record Tile(int level, long col, long row, int slideLevel, long x0, long y0, int readWidth, int readHeight,
                int width, int height, long zX, long zY) {
    }
}
