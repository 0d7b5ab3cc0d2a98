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
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
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

    @Test
    void runsAtMostTheConfiguredNumberOfProbesAtOnce() throws Exception {
        // Each probe notes how many probes were running when it started (itself included), then lingers a moment.
        Path running = Files.createDirectories(dir.resolve("running"));
        Path starts = dir.resolve("starts.txt");
        String script = "touch " + running + "/$$; ls " + running + " | wc -l >> " + starts + "; sleep 0.4; rm "
                + running + "/$$";
        ReaderCrashGuard guard = new ReaderCrashGuard(List.of("sh", "-c", script, "probe"), Duration.ofSeconds(30),
                2);
        Path file = Files.writeString(dir.resolve("slide.svs"), "bytes");
        ExecutorService uploads = Executors.newFixedThreadPool(8);
        try {
            List<Future<ReaderCrashGuard.Verdict>> verdicts = new ArrayList<>();
            for (int i = 0; i < 8; i++) {
                verdicts.add(uploads.submit(() -> guard.check(file)));
            }
            for (Future<ReaderCrashGuard.Verdict> verdict : verdicts) {
                assertThat(verdict.get(60, TimeUnit.SECONDS)).isEqualTo(ReaderCrashGuard.Verdict.OPENED);
            }
        } finally {
            uploads.shutdownNow();
        }

        List<Integer> concurrent = Files.readAllLines(starts).stream().map(String::strip).map(Integer::valueOf)
                .toList();
        assertThat(concurrent).as("probes running at each start").hasSize(8).allMatch(n -> n <= 2);
    }
}
