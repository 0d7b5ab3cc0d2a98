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
 */
@ConfigurationProperties("hipt.upload")
public record UploadProperties(@DefaultValue("20GB") DataSize maxSize, @DefaultValue("24h") Duration staleAfter,
                               @DefaultValue("true") boolean isolateReaders,
                               @DefaultValue("60s") Duration probeTimeout) {
}
