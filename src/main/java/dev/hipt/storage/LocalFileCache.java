package dev.hipt.storage;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps the local copies of remote blobs under a size budget, dropping the least recently used first. A worker pod
 * analyses slide after slide; without a budget their copies would fill its disk. Dropping a copy that a reader still
 * has open is safe on POSIX file systems: the open file lives on until it is closed.
 */
final class LocalFileCache {

    private static final Logger log = LoggerFactory.getLogger(LocalFileCache.class);

    private final Path dir;
    private final long maxBytes;

    LocalFileCache(Path dir, long maxBytes) {
        if (maxBytes <= 0) {
            throw new IllegalArgumentException("cache budget must be positive, got " + maxBytes);
        }
        this.dir = dir;
        this.maxBytes = maxBytes;
    }

    /** Marks a cached copy as just used, so that eviction takes older ones first. */
    void touch(Path file) throws IOException {
        Files.setLastModifiedTime(file, FileTime.fromMillis(System.currentTimeMillis()));
    }

    /**
     * Removes the least recently used copies until the cache fits its budget, never {@code keep} (the copy a caller
     * is about to use), which may therefore exceed the budget alone. Files still being downloaded ({@code .part})
     * are left alone.
     */
    synchronized void trim(Path keep) throws IOException {
        List<Entry> entries = new ArrayList<>();
        try (Stream<Path> files = Files.walk(dir)) {
            files.filter(Files::isRegularFile)
                    .filter(file -> !file.getFileName().toString().endsWith(".part"))
                    .forEach(file -> entries.add(Entry.of(file)));
        } catch (UncheckedIOException e) {
            throw e.getCause();
        }
        long total = entries.stream().mapToLong(Entry::size).sum();
        entries.sort(Comparator.comparing(Entry::lastUsed));
        for (Entry entry : entries) {
            if (total <= maxBytes) {
                break;
            }
            if (entry.file().equals(keep)) {
                continue;
            }
            try {
                Files.delete(entry.file());
                total -= entry.size();
                log.debug("Dropped cached copy {} ({} bytes) to stay within {} bytes", dir.relativize(entry.file()),
                        entry.size(), maxBytes);
            } catch (NoSuchFileException alreadyGone) {
                total -= entry.size();
            }
        }
    }

    private record Entry(Path file, long size, FileTime lastUsed) {

        static Entry of(Path file) {
            try {
                BasicFileAttributes attributes = Files.readAttributes(file, BasicFileAttributes.class);
                return new Entry(file, attributes.size(), attributes.lastModifiedTime());
            } catch (NoSuchFileException gone) {
                return new Entry(file, 0, FileTime.fromMillis(0));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }
}
