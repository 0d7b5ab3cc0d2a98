package dev.hipt.slide;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.util.unit.DataSize;

/**
 * Slide uploads ({@code hipt.upload.*}).
 *
 * @param maxSize the largest slide file accepted, default {@code 20GB}; a larger upload answers 413
 *                {@code PAYLOAD_TOO_LARGE}, before its body is read when its Content-Length says so
 */
@ConfigurationProperties("hipt.upload")
public record UploadProperties(@DefaultValue("20GB") DataSize maxSize) {
}
