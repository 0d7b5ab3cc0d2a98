package dev.hipt.slide;

import dev.hipt.wsi.SlideMetadata;
import java.nio.file.Path;

/**
 * Opens an uploaded file as a slide, proves its pixels decode and settles its microns per pixel. Throws
 * {@link dev.hipt.wsi.SlideException} ({@code UNSUPPORTED_FORMAT}, {@code CORRUPT_SLIDE}, {@code MPP_UNKNOWN}).
 */
interface SlideInspector {

    Inspection inspect(Path file, Double mppOverride);

    /**
     * What the upload keeps of a slide.
     *
     * @param metadata  allowlisted metadata
     * @param mppX      microns per pixel used for analysis, x
     * @param mppY      microns per pixel used for analysis, y
     * @param mppSource {@code file} or {@code request}
     */
    record Inspection(SlideMetadata metadata, double mppX, double mppY, String mppSource) {
    }
}
