package dev.hipt.wsi;

import org.junit.jupiter.api.Assumptions;

import java.nio.file.Files;
import java.nio.file.Path;

/** Where the shared fixtures are, from the system properties the pom sets; tests skip when they are absent. */
final class Fixtures {

    private Fixtures() {
    }

    static Path slide(String name) {
        Path dir = Path.of(System.getProperty("hipt.shared.dir", "../shared"), "fixtures", "slides");
        Assumptions.assumeTrue(Files.isDirectory(dir), "fixture slides " + dir + " absent: skipping");
        Path file = dir.resolve(name);
        Assumptions.assumeTrue(Files.isRegularFile(file), "fixture " + file + " absent: skipping");
        return file;
    }

    static Path reference(String name) {
        Path dir = Path.of(System.getProperty("hipt.reference.dir", "../shared/fixtures/hipt-reference"));
        Assumptions.assumeTrue(Files.isDirectory(dir), "HIPT reference fixtures " + dir + " absent: skipping");
        Path file = dir.resolve(name);
        Assumptions.assumeTrue(Files.isRegularFile(file), "fixture " + file + " absent: skipping");
        return file;
    }

    static void assumeOpenSlide() {
        Assumptions.assumeTrue(WholeSlideImages.openSlideAvailable(),
                "libopenslide.so.0 not installed (package libopenslide0): skipping");
    }
}
