package dev.hipt.storage;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.util.Optional;

/**
 * Where slides and large results live: the local filesystem by default, an S3-compatible bucket in production.
 * Keys are relative, slash-separated paths such as {@code slides/<sha256>/CMU-1.svs}.
 */
public interface BlobStore {

    /** Stores the stream under {@code key}, replacing any object there; returns the bytes written. */
    long put(String key, InputStream content) throws IOException;

    /** Moves a finished local file (for example a completed upload) under {@code key}. */
    void putFile(String key, Path file) throws IOException;

    InputStream open(String key) throws IOException;

    /**
     * A local file holding the object, for readers that need a path (OpenSlide). For the local store this is the
     * object itself; remote stores download it to a cache first.
     */
    Path localPath(String key) throws IOException;

    /**
     * {@link #localPath}, held until the returned lease is closed: meanwhile the store does not evict the file (a
     * remote store's download cache keeps it whatever its budget). Readers that keep a file open for a while (a
     * job, a QC request) use this.
     */
    default LocalFile lease(String key) throws IOException {
        Path file = localPath(key);
        return new LocalFile() {
            @Override
            public Path path() {
                return file;
            }

            @Override
            public void close() {
            }
        };
    }

    /** A local copy of a blob held by a reader; see {@link #lease}. */
    interface LocalFile extends AutoCloseable {

        /** The file; valid until {@link #close()}. */
        Path path();

        /** Lets the store evict the file again; idempotent. */
        @Override
        void close();
    }

    boolean exists(String key) throws IOException;

    Optional<Long> size(String key) throws IOException;

    /** Removes the object; removing a missing one is not an error. */
    void delete(String key) throws IOException;

    /** Removes every object whose key starts with {@code prefix}. */
    void deletePrefix(String prefix) throws IOException;
}
