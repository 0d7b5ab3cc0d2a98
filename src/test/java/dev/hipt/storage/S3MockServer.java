package dev.hipt.storage;

import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.awaitility.core.ConditionTimeoutException;
import org.awaitility.core.TerminalFailureException;

/**
 * Adobe S3Mock, a real S3-compatible HTTP server, run from its executable jar in a JVM of its own (it is a Spring
 * Boot 3 application and cannot share the Spring Boot 4 test JVM). The build copies the jar to
 * {@code target/s3mock/} (maven-dependency-plugin) and names it in the system property {@code hipt.test.s3mock.jar}.
 * The server listens for plain HTTP on a free loopback port, keeps its objects under the given directory, and is
 * stopped, with any child process, by {@link #close()} or, failing that, when the test JVM exits.
 */
public final class S3MockServer implements AutoCloseable {

    private static final Duration STARTUP_TIMEOUT = Duration.ofSeconds(90);
    private static final Duration STOP_TIMEOUT = Duration.ofSeconds(15);
    private static final int PORT_ATTEMPTS = 3;
    /** Environment passed on to the server: nothing that Spring's relaxed binding could turn into its settings. */
    private static final Set<String> KEPT_ENVIRONMENT = Set.of("PATH", "HOME", "LANG", "LC_ALL", "TZ", "TMPDIR");

    private final Process process;
    private final Path log;
    private final int port;
    private final Thread exitHook;

    private S3MockServer(Process process, Path log, int port) {
        this.process = process;
        this.log = log;
        this.port = port;
        this.exitHook = new Thread(() -> kill(process), "s3mock-exit-hook");
        Runtime.getRuntime().addShutdownHook(exitHook);
    }

    /**
     * Starts S3Mock from {@code jar} with {@code bucket} created, data and log under {@code workDir}, and waits until
     * it lists that bucket. Fails with the server's log when it exits or does not answer within 90 seconds.
     */
    public static S3MockServer start(Path jar, Path workDir, String bucket) throws IOException {
        if (!Files.isRegularFile(jar)) {
            throw new IllegalStateException("S3Mock jar " + jar + " is missing: the build copies it there in the"
                    + " pre-integration-test phase (run the tests through ./mvnw verify)");
        }
        for (int attempt = 1; ; attempt++) {
            S3MockServer server = launch(jar, workDir, bucket, attempt);
            try {
                server.awaitBucket(bucket);
                return server;
            } catch (RuntimeException | Error e) {
                server.close();
                if (attempt >= PORT_ATTEMPTS || !server.logText().contains("already in use")) {
                    throw e;
                }
                // Another process took the port between choosing and binding it: try a fresh one.
            }
        }
    }

    /** The plain-HTTP endpoint, for path-style S3 clients. */
    public URI endpoint() {
        return URI.create("http://127.0.0.1:" + port);
    }

    /** Stops the server (SIGTERM, then SIGKILL after 15 s) and every process it started. */
    @Override
    public void close() {
        kill(process);
        try {
            Runtime.getRuntime().removeShutdownHook(exitHook);
        } catch (IllegalStateException e) {
            // The JVM is already shutting down; the hook has run or will run harmlessly.
        }
    }

    private static S3MockServer launch(Path jar, Path workDir, String bucket, int attempt) throws IOException {
        Path data = Files.createDirectories(workDir.resolve("data-" + attempt));
        Path log = workDir.resolve("s3mock-" + attempt + ".log");
        int port = freePort();
        List<String> command = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xms64m", "-Xmx512m", "-XX:+UseSerialGC",
                "-jar", jar.toAbsolutePath().toString(),
                // S3Mock always opens an HTTPS connector on server.port: an ephemeral one nobody uses.
                "--server.port=0",
                "--server.address=127.0.0.1",
                "--com.adobe.testing.s3mock.httpPort=" + port,
                "--com.adobe.testing.s3mock.store.root=" + data.toAbsolutePath(),
                "--com.adobe.testing.s3mock.store.initialBuckets=" + bucket,
                "--com.adobe.testing.s3mock.store.retainFilesOnExit=false",
                "--spring.main.banner-mode=off"));
        ProcessBuilder builder = new ProcessBuilder(command)
                .directory(workDir.toFile())
                .redirectErrorStream(true)
                .redirectOutput(log.toFile());
        Map<String, String> environment = builder.environment();
        environment.keySet().retainAll(KEPT_ENVIRONMENT);
        return new S3MockServer(builder.start(), log, port);
    }

    private void awaitBucket(String bucket) {
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
        HttpRequest listBuckets = HttpRequest.newBuilder(endpoint().resolve("/"))
                .timeout(Duration.ofSeconds(10)).GET().build();
        try {
            await("S3Mock on port " + port + " listing bucket " + bucket)
                    .atMost(STARTUP_TIMEOUT)
                    .pollDelay(Duration.ofMillis(500))
                    .pollInterval(Duration.ofMillis(250))
                    .failFast("S3Mock exited", () -> !process.isAlive())
                    .until(() -> lists(http, listBuckets, bucket));
        } catch (ConditionTimeoutException | TerminalFailureException e) {
            String state = process.isAlive() ? "did not answer within " + STARTUP_TIMEOUT.toSeconds() + " s"
                    : "exited with status " + process.exitValue();
            throw new IllegalStateException("S3Mock (pid " + process.pid() + ") " + state + "; its log " + log
                    + " ends with:\n" + tail(logText(), 6000), e);
        }
    }

    private static boolean lists(HttpClient http, HttpRequest listBuckets, String bucket) {
        try {
            HttpResponse<String> response = http.send(listBuckets, HttpResponse.BodyHandlers.ofString());
            return response.statusCode() == 200 && response.body().contains("<Name>" + bucket + "</Name>");
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("Interrupted while waiting for S3Mock", e);
        }
    }

    private String logText() {
        try {
            return Files.isRegularFile(log) ? Files.readString(log, StandardCharsets.UTF_8) : "(no log)";
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String tail(String text, int chars) {
        return text.length() <= chars ? text : "..." + text.substring(text.length() - chars);
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            socket.setReuseAddress(true);
            return socket.getLocalPort();
        }
    }

    private static void kill(Process process) {
        List<ProcessHandle> children = process.descendants().toList();
        process.destroy();
        try {
            if (!process.waitFor(STOP_TIMEOUT.toSeconds(), TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(STOP_TIMEOUT.toSeconds(), TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
        children.forEach(ProcessHandle::destroyForcibly);
    }
}
