package dev.hipt.wsi;

import java.util.List;
import java.util.Map;

/**
 * What the service may know and show about a slide. {@code properties} is an allowlist: it never carries the
 * fields that can hold names or barcodes ({@code aperio.Filename}, {@code aperio.User}, comments, image
 * descriptions), and the associated label, macro and thumbnail images are never exposed.
 *
 * @param format         the reader's format name, e.g. {@code aperio}, {@code generic-tiff}, {@code png}
 * @param vendor         the scanner vendor as OpenSlide reports it, or the image format for plain images
 * @param mppX           microns per pixel along x from the file, or {@code null} when the file does not say
 * @param mppY           microns per pixel along y from the file, or {@code null}
 * @param objectivePower the scan objective (20, 40), or {@code null}
 */
public record SlideMetadata(String format, String vendor, long width, long height, List<Level> levels,
                            Double mppX, Double mppY, Double objectivePower, Map<String, String> properties) {
}
