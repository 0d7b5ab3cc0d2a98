package dev.hipt.wsi;

/** Stable codes for slides that cannot be analysed; they appear as the {@code code} of problem+json answers. */
public enum SlideErrorCode {
    /** Not a format any reader recognises (including empty files and non-image bytes). */
    UNSUPPORTED_FORMAT,
    /** Recognised, but its structure or pixel data cannot be decoded. */
    CORRUPT_SLIDE,
    /** Neither the request nor the file gives the microns per pixel. */
    MPP_UNKNOWN,
    /** Tissue detection found nothing to analyse. */
    NO_TISSUE,
    /** The slide claims more level-0 pixels than the service accepts ({@code hipt.upload.max-pixels}). */
    SLIDE_TOO_LARGE,
    /**
     * No pyramid level is small enough for tissue detection to read whole
     * ({@code hipt.upload.max-tissue-scan-pixels}): a huge image without a pyramid.
     */
    NO_THUMBNAIL_LEVEL
}
