package dev.hipt.slide;

import java.util.UUID;

/**
 * 409 {@code SLIDE_CONFLICT}: the same bytes were uploaded again with a value that contradicts the registered slide
 * (another {@code externalId}, or another {@code mpp} without {@code reanalyse=true}). The problem names the
 * existing slide ({@code slideId}) and the conflicting request field ({@code field}).
 */
final class SlideConflictException extends RuntimeException {

    static final String CODE = "SLIDE_CONFLICT";

    private final UUID slideId;
    private final String field;

    SlideConflictException(UUID slideId, String field, String detail) {
        super(detail);
        this.slideId = slideId;
        this.field = field;
    }

    UUID slideId() {
        return slideId;
    }

    String field() {
        return field;
    }
}
