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
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps the local copies of remote blobs under a size budget, dropping the least recently used first. A worker pod
 * analyses slide after slide; without a budget their copies would fill its disk. A copy a reader holds a
 * {@link #lease} on is never dropped: OpenSlide opens a slide's file again as it reads (its TIFF handle pool), so a
 * copy dropped under a running job or QC request would fail its later reads.
 */
final class LocalFileCache {

    private static final Logger log = LoggerFactory.getLogger(LocalFileCache.class);

    private final Path dir;
    private final long maxBytes;
    /** Copies in use and how many leases each has. */
    private final Map<Path, Integer> leases = new HashMap<>();

    LocalFileCache(Path dir, long maxBytes) {
        if (maxBytes <= 0) {
            throw new IllegalArgumentException("cache budget must be positive, got " + maxBytes);
        }
        this.dir = dir;
        this.maxBytes = maxBytes;
    }

    /**
     * Keeps {@code file} from being dropped until the lease is closed; take it before checking that the copy
     * exists, so that no trim can drop it between the check and the use.
     */
    synchronized Lease lease(Path file) {
        leases.merge(file, 1, Integer::sum);
        return new Lease(file);
    }

    private synchronized void release(Path file) {
        leases.computeIfPresent(file, (key, count) -> count == 1 ? null : count - 1);
    }

    /** A reader's hold on one cached copy. */
    final class Lease implements AutoCloseable {

        private final Path file;
        private final AtomicBoolean open = new AtomicBoolean(true);

        private Lease(Path file) {
            this.file = file;
        }

        Path file() {
            return file;
        }

        @Override
        public void close() {
            if (open.compareAndSet(true, false)) {
                release(file);
            }
        }
    }

    /** Marks a cached copy as just used, so that eviction takes older ones first. */
    void touch(Path file) throws IOException {
        Files.setLastModifiedTime(file, FileTime.fromMillis(System.currentTimeMillis()));
    }

    /**
     * Removes the least recently used copies until the cache fits its budget, never {@code keep} (the copy a caller
     * is about to use) nor a leased copy, which may therefore exceed the budget. Files still being downloaded ({@code .part})
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
            if (entry.file().equals(keep) || leases.containsKey(entry.file())) {
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
