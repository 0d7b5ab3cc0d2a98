package dev.hipt.storage;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The service's own temporary files (an export being written, a checkpoint about to be registered), kept under
 * {@code hipt.storage.root/tmp} rather than the system temporary directory: on Kubernetes that is a small volume of
 * the container, and nothing there is removed when the JVM dies. Their names start with {@link #PREFIX}, so that the
 * start-up sweep of that directory removes what a dead process left behind. The caller deletes each file.
 */
public final class TemporaryFiles {

    /** The start of every name {@link #create} gives. */
    public static final String PREFIX = "hipt-";

    private final Path directory;

    public TemporaryFiles(Path directory) {
        this.directory = directory;
    }

    /** A new empty file named {@code hipt-<purpose>-<random><suffix>}. */
    public Path create(String purpose, String suffix) throws IOException {
        Files.createDirectories(directory);
        return Files.createTempFile(directory, PREFIX + purpose + "-", suffix);
    }

    /** Where the files are. */
    public Path directory() {
        return directory;
    }
}
