package dev.hipt.slide;

import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.util.unit.DataSize;

/**
 * Slide uploads ({@code hipt.upload.*}).
 *
 * @param maxSize    the largest slide file accepted, default {@code 20GB}; a larger upload answers 413
 *                   {@code PAYLOAD_TOO_LARGE}, before its body is read when its Content-Length says so
 * @param staleAfter age after which a temporary upload file left by a process that died mid-upload is removed at
 *                   start-up, default {@code 24h} (longer than any upload takes, so a live upload of another replica
 *                   sharing the directory is never touched)
 * @param isolateReaders whether an upload first meets the native slide readers in a child JVM, so that a file
 *                   that crashes them is refused ({@code CORRUPT_SLIDE}) instead of crashing the service; default
 *                   {@code true}
 * @param probeTimeout how long that child may take before the file is refused, default {@code 60s}
 * @param maxConcurrentProbes how many of those child JVMs (up to 512 MB heap each) may run at once, default
 *                   {@code 2}; further uploads wait for a free one
 * @param maxPixels  the most level-0 pixels (width x height) a slide may claim, default {@code 100000000000} (10^11,
 *                   e.g. 316 228 x 316 228; the largest 40x scans are about 200 000 x 100 000); more answers 422
 *                   {@code SLIDE_TOO_LARGE}. A few hundred kilobytes of TIFF can claim 10^12 pixels.
 * @param maxTissueScanPixels the most pixels of the pyramid level that tissue detection reads whole (the coarsest
 *                   level at most 1.5 x its downsample of 64), default {@code 2000000000}; a slide without a level
 *                   that small (a huge image without a pyramid) answers 422 {@code NO_THUMBNAIL_LEVEL}
 */
@ConfigurationProperties("hipt.upload")
public record UploadProperties(@DefaultValue("20GB") DataSize maxSize, @DefaultValue("24h") Duration staleAfter,
                               @DefaultValue("true") boolean isolateReaders,
                               @DefaultValue("60s") Duration probeTimeout,
                               @DefaultValue("2") int maxConcurrentProbes,
                               @DefaultValue("100000000000") long maxPixels,
                               @DefaultValue("2000000000") long maxTissueScanPixels) {

    public UploadProperties {
        if (maxPixels < 1 || maxTissueScanPixels < 1) {
            throw new IllegalArgumentException("hipt.upload.max-pixels and max-tissue-scan-pixels must be positive");
        }
    }
}
