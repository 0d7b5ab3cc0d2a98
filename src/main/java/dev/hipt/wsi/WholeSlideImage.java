package dev.hipt.wsi;

import java.util.List;

/**
 * An open whole-slide image. Implementations hold a native or file handle released by {@link #close()} (and by a
 * {@link java.lang.ref.Cleaner} should a caller forget); reads are safe from several threads at once. Failures are
 * thrown as {@link SlideException}, never returned as {@code null}.
 */
public interface WholeSlideImage extends AutoCloseable {

    /** Format, vendor, dimensions, levels, MPP and objective power, with only allowlisted (PHI-free) properties. */
    SlideMetadata metadata();

    /** Pyramid levels, level 0 (full resolution) first. */
    default List<Level> levels() {
        return metadata().levels();
    }

    /**
     * Reads {@code width x height} pixels of {@code level} whose top-left corner is at level-0 coordinates
     * {@code (x, y)}, as OpenSlide's {@code read_region} does. Pixels outside the slide come out black.
     */
    RgbImage readRegion(int level, long x, long y, int width, int height);

    @Override
    void close();
}
