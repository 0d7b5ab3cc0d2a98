package dev.hipt.slide;

import dev.hipt.storage.StorageProperties;
import dev.hipt.storage.TemporaryFiles;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.context.event.ApplicationReadyEvent;
import org.springframework.context.event.EventListener;
import org.springframework.stereotype.Component;

/**
 * Removes temporary files that a process killed mid-request could not remove itself (a request that fails cleans up
 * after itself; a dead JVM cannot): uploads, and the service's other temporary files ({@link TemporaryFiles}:
 * exports being sent, checkpoints being registered). Runs once at start-up.
 */
@Component
class StaleUploadSweeper {

    private static final Logger log = LoggerFactory.getLogger(StaleUploadSweeper.class);

    private final Path tmpDir;
    private final UploadProperties properties;
    private final Clock clock;

    @Autowired
    StaleUploadSweeper(StorageProperties storage, UploadProperties properties) {
        this(storage.tmpDir(), properties, Clock.systemUTC());
    }

    StaleUploadSweeper(Path tmpDir, UploadProperties properties, Clock clock) {
        this.tmpDir = tmpDir;
        this.properties = properties;
        this.clock = clock;
    }

    @EventListener(ApplicationReadyEvent.class)
    void sweepAtStartup() {
        try {
            int removed = sweep();
            if (removed > 0) {
                log.info("Removed {} temporary file(s) older than {} left by an earlier process", removed,
                        properties.staleAfter());
            }
        } catch (IOException | UncheckedIOException e) {
            log.warn("Could not sweep stale temporary uploads in {}: {}", tmpDir, e.getMessage());
        }
    }

    /** Deletes the temporary files older than {@code hipt.upload.stale-after}; returns how many. */
    int sweep() throws IOException {
        if (!Files.isDirectory(tmpDir)) {
            return 0;
        }
        Instant cutoff = clock.instant().minus(properties.staleAfter());
        List<Path> stale;
        try (Stream<Path> files = Files.list(tmpDir)) {
            stale = files.filter(StaleUploadSweeper::isTemporary)
                    .filter(file -> modifiedBefore(file, cutoff))
                    .toList();
        }
        int removed = 0;
        for (Path file : stale) {
            try {
                Files.delete(file);
                removed++;
            } catch (NoSuchFileException alreadyGone) {
                // removed by its own request or another replica in the meantime
            }
        }
        return removed;
    }

    private static boolean isTemporary(Path file) {
        String name = file.getFileName().toString();
        return name.startsWith(UploadReceiver.TEMP_PREFIX) || name.startsWith(TemporaryFiles.PREFIX);
    }

    private static boolean modifiedBefore(Path file, Instant cutoff) {
        try {
            return Files.isRegularFile(file) && Files.getLastModifiedTime(file).toInstant().isBefore(cutoff);
        } catch (NoSuchFileException gone) {
            return false;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
