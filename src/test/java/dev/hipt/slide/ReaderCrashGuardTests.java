package dev.hipt.slide;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.hipt.wsi.SlideErrorCode;
import dev.hipt.wsi.SlideException;
import dev.hipt.wsi.WholeSlideImages;
import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ReaderCrashGuardTests {

    private static final Path SLIDES = Path.of(System.getProperty("hipt.shared.dir", "../shared"), "fixtures",
            "slides");

    @TempDir
    Path dir;

    @Test
    void realProbeOpensARealSlide() {
        Path svs = SLIDES.resolve("small_HE.svs");
        assumeTrue(Files.isRegularFile(svs), svs + " absent: skipping the real-slide probe");
        assumeTrue(WholeSlideImages.openSlideAvailable(), "libopenslide0 not installed: skipping the SVS probe");

        assertThat(ReaderCrashGuard.forThisJvm(Duration.ofSeconds(60)).check(svs))
                .isEqualTo(ReaderCrashGuard.Verdict.OPENED);
    }

    @Test
    void realProbeOpensAReadableImage() throws IOException {
        Path png = dir.resolve("tissue.png");
        BufferedImage image = new BufferedImage(300, 200, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = image.createGraphics();
        g.setColor(new Color(220, 120, 180));
        g.fillRect(0, 0, 300, 200);
        g.dispose();
        ImageIO.write(image, "png", png.toFile());

        assertThat(ReaderCrashGuard.forThisJvm(Duration.ofSeconds(60)).check(png))
                .isEqualTo(ReaderCrashGuard.Verdict.OPENED);
    }

    @Test
    void realProbeSurvivesNonImageBytesAndRefusesThemWithoutCrashing() throws IOException {
        Path text = Files.writeString(dir.resolve("notes.svs"), "not a slide");

        assertThat(ReaderCrashGuard.forThisJvm(Duration.ofSeconds(60)).check(text))
                .isEqualTo(ReaderCrashGuard.Verdict.REFUSED);
    }

    @Test
    void probeJvmThatCrashesInNativeCodeRefusesTheFileAsCorrupt() throws IOException {
        Path file = Files.writeString(dir.resolve("evil.svs"), "x");
        // The same JVM launch as the real probe, whose main dies of SIGSEGV in native code.
        ReaderCrashGuard guard = ReaderCrashGuard.forThisJvm(Duration.ofSeconds(60), NativeCrashProbe.class.getName());

        assertThatThrownBy(() -> guard.check(file))
                .isInstanceOfSatisfying(SlideException.class,
                        e -> assertThat(e.code()).isEqualTo(SlideErrorCode.CORRUPT_SLIDE))
                .hasMessageContaining("crashed");
    }

    @Test
    void readerThatHangsIsStoppedAndTheFileRefused() throws IOException {
        Path file = Files.writeString(dir.resolve("slow.svs"), "x");
        ReaderCrashGuard guard = new ReaderCrashGuard(List.of("sh", "-c", "sleep 30"), Duration.ofMillis(300));

        long start = System.nanoTime();
        assertThatThrownBy(() -> guard.check(file))
                .isInstanceOfSatisfying(SlideException.class,
                        e -> assertThat(e.code()).isEqualTo(SlideErrorCode.CORRUPT_SLIDE))
                .hasMessageContaining("did not finish");
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(10));
    }
}
