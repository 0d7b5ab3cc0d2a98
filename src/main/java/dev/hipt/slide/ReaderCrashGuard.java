package dev.hipt.slide;

import dev.hipt.wsi.SlideErrorCode;
import dev.hipt.wsi.SlideException;
import dev.hipt.wsi.SlideProbe;
import java.io.File;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Lets an upload meet the native slide readers in a child JVM ({@link SlideProbe}) before the service opens it:
 * a malformed file that crashes OpenSlide's C code kills the child, and the upload is refused as
 * {@code CORRUPT_SLIDE}, instead of taking the service down with every request in flight. Costs one short-lived
 * JVM (about 0.3 s) per upload.
 */
final class ReaderCrashGuard {

    private static final Logger log = LoggerFactory.getLogger(ReaderCrashGuard.class);

    private final List<String> command;
    private final Duration timeout;
    /** Child JVMs alive at once: each may take up to 512 MB, and a burst of uploads must not start one apiece. */
    private final Semaphore probes;

    /** A guard whose probe runs {@code command} with the slide file appended. */
    ReaderCrashGuard(List<String> command, Duration timeout) {
        this(command, timeout, Integer.MAX_VALUE);
    }

    /** A guard that runs at most {@code maxConcurrent} probes at once; further uploads wait for a free one. */
    ReaderCrashGuard(List<String> command, Duration timeout, int maxConcurrent) {
        if (maxConcurrent < 1) {
            throw new IllegalArgumentException("hipt.upload.max-concurrent-probes must be at least 1");
        }
        this.command = List.copyOf(command);
        this.timeout = timeout;
        this.probes = new Semaphore(maxConcurrent, true);
    }

    /** What the readers made of a file they survived; whether it is a usable slide is decided in-process. */
    enum Verdict {
        /** The file opened and its first pixels decoded. */
        OPENED,
        /** The readers refused the file with a Java-side error (not a slide, unreadable tiles ...). */
        REFUSED
    }

    /** A guard that starts {@link SlideProbe} with this JVM's own java and classes. */
    static ReaderCrashGuard forThisJvm(Duration timeout) {
        return forThisJvm(timeout, SlideProbe.class.getName());
    }

    /** Like {@link #forThisJvm(Duration)}, with at most {@code maxConcurrent} probes alive at once. */
    static ReaderCrashGuard forThisJvm(Duration timeout, int maxConcurrent) {
        return new ReaderCrashGuard(probeCommand(SlideProbe.class.getName()), timeout, maxConcurrent);
    }

    /** A guard that starts {@code probeMain} (a class following {@link SlideProbe}'s exit statuses) like the probe. */
    static ReaderCrashGuard forThisJvm(Duration timeout, String probeMain) {
        return new ReaderCrashGuard(probeCommand(probeMain), timeout);
    }

    /** {@code probeMain} in a quick, small JVM of this JVM's own java and classes. */
    private static List<String> probeCommand(String probeMain) {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        // A quick, small JVM that leaves no crash report or core behind.
        command.addAll(List.of("-Xmx512m", "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC",
                "-XX:-CreateCoredumpOnCrash", "-XX:ErrorFile=/dev/null", "-Djava.awt.headless=true"));
        String library = System.getProperty("hipt.openslide.library");
        if (library != null) {
            command.add("-Dhipt.openslide.library=" + library);
        }
        command.addAll(launch(probeMain));
        return command;
    }

    /** How to start the probe: from the class path as is, or through Spring Boot's launcher inside a fat jar. */
    private static List<String> launch(String probeMain) {
        String location = String.valueOf(SlideProbe.class.getProtectionDomain().getCodeSource().getLocation());
        String classPath = System.getProperty("java.class.path");
        if (location.contains("nested:") && classPath.endsWith(".jar") && !classPath.contains(File.pathSeparator)) {
            return List.of("-cp", classPath, "-Dloader.main=" + probeMain,
                    "org.springframework.boot.loader.launch.PropertiesLauncher");
        }
        return List.of("-cp", classPath, probeMain);
    }

    /**
     * Returns the readers' verdict when they survive the file; throws {@code CORRUPT_SLIDE} when they crash or
     * hang on it. Whether the file is a usable slide is decided afterwards, in-process.
     */
    Verdict check(Path file) {
        try {
            probes.acquire();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting to probe an upload", e);
        }
        try {
            return probe(file);
        } finally {
            probes.release();
        }
    }

    private Verdict probe(Path file) {
        List<String> run = new ArrayList<>(command);
        run.add(file.toAbsolutePath().toString());
        Process probe;
        try {
            probe = new ProcessBuilder(run)
                    .redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                    .start();
        } catch (IOException e) {
            throw new IllegalStateException("cannot start the slide reader probe: " + e.getMessage(), e);
        }
        try {
            if (!probe.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                probe.destroyForcibly();
                throw new SlideException(SlideErrorCode.CORRUPT_SLIDE,
                        "the slide reader did not finish opening this file within " + timeout);
            }
        } catch (InterruptedException e) {
            probe.destroyForcibly();
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while probing an upload", e);
        }
        int status = probe.exitValue();
        if (status == SlideProbe.USAGE) {
            throw new IllegalStateException("the slide reader probe was started wrongly: " + run.subList(0, 2));
        }
        if (status == 0) {
            return Verdict.OPENED;
        }
        if (status == SlideProbe.REFUSED) {
            return Verdict.REFUSED;
        }
        log.warn("The slide reader crashed on an upload (probe exit status {}); refused as CORRUPT_SLIDE", status);
        throw new SlideException(SlideErrorCode.CORRUPT_SLIDE,
                "the slide reader crashed on this file (exit status " + status + ")");
    }
}
