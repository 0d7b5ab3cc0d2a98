package dev.hipt.slide;

import dev.hipt.job.JobView;
import io.swagger.v3.oas.annotations.media.Schema;
import java.time.Instant;
import java.util.List;
import java.util.UUID;

/**
 * A registered slide as the API shows it. Only allowlisted metadata: no label or macro image, no free-text
 * property that could carry patient data.
 *
 * @param id             the slide's id
 * @param externalId     the caller's own identifier given at upload (e.g. the LIMS accession), or null
 * @param filename       the uploaded file's name, sanitised
 * @param sha256         hex SHA-256 of the file's bytes; the same bytes are stored once
 * @param sizeBytes      the file's size
 * @param format         the reader's format name, e.g. {@code aperio}, {@code generic-tiff}, {@code png}
 * @param vendor         the scanner vendor, or the image format for plain images; null when unknown
 * @param width          level-0 width in pixels
 * @param height         level-0 height in pixels
 * @param levels         pyramid levels, level 0 first
 * @param mppX           microns per pixel along x used for analysis
 * @param mppY           microns per pixel along y used for analysis
 * @param mppSource      {@code file} (from the slide) or {@code request} (the {@code mpp} given at upload)
 * @param objectivePower the scan objective, when the file says; otherwise null
 * @param status         from the newest analysis job
 * @param createdAt      when the slide was registered
 * @param latestJob      the newest analysis job, or null when there is none
 */
public record SlideView(UUID id, @Schema(nullable = true) String externalId, String filename, String sha256,
                        long sizeBytes, String format, @Schema(nullable = true) String vendor, long width,
                        long height, List<LevelView> levels, Double mppX, Double mppY, String mppSource,
                        @Schema(nullable = true) Double objectivePower, SlideStatus status, Instant createdAt,
                        @Schema(nullable = true) JobView latestJob) {

    /**
     * One pyramid level.
     *
     * @param width      width in pixels
     * @param height     height in pixels
     * @param downsample relative to level 0
     */
    public record LevelView(long width, long height, double downsample) {
    }
}
