package dev.hipt.storage;

import java.io.IOException;
import java.nio.file.Path;

/** Placeholder until the S3 store lands. */
final class S3BlobStore {

    private S3BlobStore() {
    }

    static BlobStore create(StorageProperties.S3 s3, Path cacheDir) throws IOException {
        throw new IllegalStateException("hipt.storage.type=s3 is not available in this build");
    }
}
