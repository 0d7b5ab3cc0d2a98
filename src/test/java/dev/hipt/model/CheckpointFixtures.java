package dev.hipt.model;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;

/** The shared reference fixtures ({@code hipt.reference.dir}); tests using them skip when they are absent. */
final class CheckpointFixtures {

    private CheckpointFixtures() {
    }

    static Path reference(String name) {
        Path dir = Path.of(System.getProperty("hipt.reference.dir", "../shared/fixtures/hipt-reference"));
        assumeTrue(Files.isDirectory(dir), "reference fixtures " + dir.toAbsolutePath() + " absent: skipping");
        Path file = dir.resolve(name);
        assumeTrue(Files.isRegularFile(file), "reference fixture " + file.toAbsolutePath() + " absent: skipping");
        return file;
    }
}
