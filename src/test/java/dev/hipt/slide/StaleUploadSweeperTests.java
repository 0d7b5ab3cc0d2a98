package dev.hipt.slide;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hipt.storage.TemporaryFiles;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.util.unit.DataSize;

class StaleUploadSweeperTests {

    private static final Instant NOW = Instant.parse("2026-11-25T12:00:00Z");

    @TempDir
    Path tmp;

    @Test
    void removesUploadTempFilesOlderThanStaleAfterOnly() throws IOException {
        StaleUploadSweeper sweeper = sweeperOver(tmp);
        Path leftByDeadProcess = file("upload-1b9e.svs", NOW.minus(Duration.ofHours(30)));
        Path inProgress = file("upload-77aa.svs", NOW.minus(Duration.ofHours(2)));
        Path notAnUpload = file("notes.txt", NOW.minus(Duration.ofDays(10)));

        int removed = sweeper.sweep();

        assertThat(removed).isEqualTo(1);
        assertThat(leftByDeadProcess).doesNotExist();
        assertThat(inProgress).exists();
        assertThat(notAnUpload).exists();
    }

    @Test
    void removesTheServicesOtherTemporaryFilesLeftByADeadProcessToo() throws IOException {
        StaleUploadSweeper sweeper = sweeperOver(tmp);
        TemporaryFiles temporaryFiles = new TemporaryFiles(tmp);
        Path features = aged(temporaryFiles.create("features", ".h5"), NOW.minus(Duration.ofHours(30)));
        Path head = aged(temporaryFiles.create("head", ".pth"), NOW.minus(Duration.ofHours(30)));
        Path beingSent = aged(temporaryFiles.create("features", ".h5"), NOW.minus(Duration.ofMinutes(5)));

        int removed = sweeper.sweep();

        assertThat(removed).isEqualTo(2);
        assertThat(features).doesNotExist();
        assertThat(head).doesNotExist();
        assertThat(beingSent).exists();
    }

    @Test
    void missingTempDirectoryIsNothingToSweep() throws IOException {
        assertThat(sweeperOver(tmp.resolve("absent")).sweep()).isZero();
    }

    private StaleUploadSweeper sweeperOver(Path dir) {
        return new StaleUploadSweeper(dir, new UploadProperties(DataSize.ofGigabytes(20), Duration.ofHours(24), true,
                Duration.ofSeconds(60), 2, 100_000_000_000L, 2_000_000_000L),
                Clock.fixed(NOW, ZoneOffset.UTC));
    }

    private Path file(String name, Instant modified) throws IOException {
        return aged(Files.write(tmp.resolve(name), new byte[16]), modified);
    }

    private static Path aged(Path file, Instant modified) throws IOException {
        Files.setLastModifiedTime(file, FileTime.from(modified));
        return file;
    }
}
