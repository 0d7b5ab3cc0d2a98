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
 */
@ConfigurationProperties("hipt.upload")
public record UploadProperties(@DefaultValue("20GB") DataSize maxSize, @DefaultValue("24h") Duration staleAfter) {
}
