package dev.hipt.storage;

import java.io.IOException;
import java.nio.file.Files;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/** Chooses the blob store from {@code hipt.storage.type} and makes sure the local directories exist. */
@Configuration(proxyBeanMethods = false)
class StorageConfiguration {

    @Bean
    BlobStore blobStore(StorageProperties properties) throws IOException {
        Files.createDirectories(properties.tmpDir());
        return switch (properties.type()) {
            case LOCAL -> new LocalBlobStore(properties.blobsDir());
            case S3 -> S3BlobStore.create(properties.s3(), properties.cacheDir(), S3BlobStore.DEFAULT_PART_SIZE,
                    properties.cacheMaxSize().toBytes());
        };
    }

    @Bean
    TemporaryFiles temporaryFiles(StorageProperties properties) {
        return new TemporaryFiles(properties.tmpDir());
    }
}
