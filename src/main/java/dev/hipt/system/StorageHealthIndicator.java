package dev.hipt.system;

import dev.hipt.storage.BlobStore;
import dev.hipt.storage.StorageProperties;
import java.io.ByteArrayInputStream;
import java.nio.file.Files;
import java.util.UUID;
import org.springframework.boot.health.contributor.AbstractHealthIndicator;
import org.springframework.boot.health.contributor.Health;
import org.springframework.stereotype.Component;

/**
 * Readiness of storage ({@code /actuator/health/readiness} includes it as {@code storage}): the upload temporary
 * directory is writable and the blob store takes, shows and removes a small probe object.
 */
@Component("storage")
class StorageHealthIndicator extends AbstractHealthIndicator {

    private final BlobStore blobs;
    private final StorageProperties properties;

    StorageHealthIndicator(BlobStore blobs, StorageProperties properties) {
        super("Storage health check failed");
        this.blobs = blobs;
        this.properties = properties;
    }

    @Override
    protected void doHealthCheck(Health.Builder builder) throws Exception {
        builder.withDetail("type", properties.type().name().toLowerCase());
        if (!Files.isDirectory(properties.tmpDir()) || !Files.isWritable(properties.tmpDir())) {
            builder.down().withDetail("error", "upload temporary directory is not writable");
            return;
        }
        String probe = "health/probe-" + UUID.randomUUID();
        try {
            blobs.put(probe, new ByteArrayInputStream(new byte[] {1}));
            if (!blobs.exists(probe)) {
                builder.down().withDetail("error", "a probe object written to the blob store is missing");
                return;
            }
        } finally {
            blobs.delete(probe);
        }
        builder.up();
    }
}
