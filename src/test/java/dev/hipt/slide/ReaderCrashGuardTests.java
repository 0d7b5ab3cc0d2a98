package dev.hipt.slide;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.hipt.wsi.SlideErrorCode;
import dev.hipt.wsi.SlideException;
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

    @TempDir
    Path dir;

    @Test
    void realProbeLetsAReadableImageThrough() throws IOException {
        Path png = dir.resolve("tissue.png");
        BufferedImage image = new BufferedImage(300, 200, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = image.createGraphics();
        g.setColor(new Color(220, 120, 180));
        g.fillRect(0, 0, 300, 200);
        g.dispose();
        ImageIO.write(image, "png", png.toFile());

        assertThatCode(() -> ReaderCrashGuard.forThisJvm(Duration.ofSeconds(60)).check(png))
                .doesNotThrowAnyException();
    }

    @Test
    void realProbeSurvivesNonImageBytesAndLeavesTheVerdictToTheService() throws IOException {
        Path text = Files.writeString(dir.resolve("notes.svs"), "not a slide");

        assertThatCode(() -> ReaderCrashGuard.forThisJvm(Duration.ofSeconds(60)).check(text))
                .doesNotThrowAnyException();
    }

    @Test
    void readerThatCrashesTheProbeRefusesTheFileAsCorrupt() throws IOException {
        Path file = Files.writeString(dir.resolve("evil.svs"), "x");
        // Stands in for a segmentation fault inside OpenSlide: the probe dies from SIGSEGV.
        ReaderCrashGuard guard = new ReaderCrashGuard(List.of("sh", "-c", "kill -SEGV $$"), Duration.ofSeconds(30));

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
