package dev.hipt.storage;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LocalFileCacheTests {

    @TempDir
    Path dir;

    @Test
    void dropsLeastRecentlyUsedCopiesUntilWithinBudget() throws IOException {
        Path oldest = copy("slides/a/a.svs", 400, 1_000);
        Path middle = copy("slides/b/b.svs", 400, 2_000);
        Path newest = copy("slides/c/c.svs", 400, 3_000);

        new LocalFileCache(dir, 900).trim(newest);

        assertThat(oldest).doesNotExist();
        assertThat(middle).exists();
        assertThat(newest).exists();
    }

    @Test
    void touchedCopyCountsAsRecentlyUsed() throws IOException {
        Path touched = copy("slides/a/a.svs", 400, 1_000);
        Path untouched = copy("slides/b/b.svs", 400, 2_000);
        Path fresh = copy("slides/c/c.svs", 400, 3_000);
        LocalFileCache cache = new LocalFileCache(dir, 900);

        cache.touch(touched);
        cache.trim(fresh);

        assertThat(touched).exists();
        assertThat(untouched).doesNotExist();
    }

    @Test
    void keepsTheCopyInUseEvenWhenItAloneExceedsTheBudget() throws IOException {
        Path other = copy("slides/a/a.svs", 100, 1_000);
        Path large = copy("slides/b/b.svs", 1_000, 500);

        new LocalFileCache(dir, 500).trim(large);

        assertThat(large).exists();
        assertThat(other).doesNotExist();
    }

    @Test
    void neverDropsACopyAReaderStillHoldsAndDropsItOnceReleased() throws IOException {
        LocalFileCache cache = new LocalFileCache(dir, 900);
        Path inUse = copy("slides/a/a.svs", 400, 1_000);
        Path other = copy("slides/b/b.svs", 400, 2_000);
        LocalFileCache.Lease job = cache.lease(inUse);
        LocalFileCache.Lease qc = cache.lease(inUse);

        // another slide's download pushes the cache over budget: the least recently used copy is the one in use
        cache.trim(copy("slides/c/c.svs", 400, 3_000));

        assertThat(inUse).as("leased twice").exists();
        assertThat(other).doesNotExist();
        job.close();
        cache.trim(copy("slides/d/d.svs", 400, 4_000));
        assertThat(inUse).as("still leased by the QC request").exists();
        qc.close();
        qc.close();
        cache.trim(copy("slides/e/e.svs", 400, 5_000));
        assertThat(inUse).as("released").doesNotExist();
    }

    @Test
    void leavesDownloadsInProgressAlone() throws IOException {
        Path partial = copy("slides/a/.a.svs.1234.part", 1_000, 1_000);
        Path done = copy("slides/b/b.svs", 100, 2_000);

        new LocalFileCache(dir, 500).trim(done);

        assertThat(partial).exists();
        assertThat(done).exists();
    }

    private Path copy(String key, int bytes, long lastUsedSecond) throws IOException {
        Path file = dir.resolve(key);
        Files.createDirectories(file.getParent());
        Files.write(file, new byte[bytes]);
        Files.setLastModifiedTime(file, FileTime.from(Instant.ofEpochSecond(lastUsedSecond)));
        return file;
    }
}
