package dev.hipt.slide;

import dev.hipt.job.JobView;
import io.swagger.v3.oas.annotations.media.Schema;

/**
 * The answer to an upload: the slide and its analysis job (the new one, or for a duplicate upload the existing
 * newest one).
 */
public record SlideUploadResponse(SlideView slide, @Schema(nullable = true) JobView job) {
}
