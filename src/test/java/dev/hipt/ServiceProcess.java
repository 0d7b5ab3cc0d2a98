package dev.hipt;

import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.io.UncheckedIOException;
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
import java.util.concurrent.TimeUnit;

/**
 * The service as an operator runs it: its own JVM, started from this test's class path with
 * {@code --name=value} arguments, logging to a file, stopped with SIGTERM ({@link #terminate}) or SIGKILL
 * ({@link #kill}). Tests of several replicas on one database use two or more of these.
 */
final class ServiceProcess implements AutoCloseable {

    private static final Duration STARTUP = Duration.ofSeconds(180);

    private final String name;
    private final Process process;
    private final Path log;
    private final int port;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    private ServiceProcess(String name, Process process, Path log, int port) {
        this.name = name;
        this.process = process;
        this.log = log;
        this.port = port;
    }

    /** Starts a replica named {@code name} with {@code properties} (Spring Boot property names) on a free port. */
    static ServiceProcess start(String name, Path workDir, Map<String, String> properties) throws IOException {
        int port = freePort();
        Path log = workDir.resolve(name + "-" + System.nanoTime() + ".log");
        List<String> command = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx2g", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-Djava.awt.headless=true",
                "-Dai.djl.offline=true", "-Dai.djl.pytorch.num_threads=1",
                "-cp", System.getProperty("java.class.path"), HiptApplication.class.getName(),
                "--server.port=" + port, "--spring.main.banner-mode=off"));
        properties.forEach((key, value) -> command.add("--" + key + "=" + value));
        Process process = new ProcessBuilder(command).directory(workDir.toFile())
                .redirectErrorStream(true).redirectOutput(log.toFile()).redirectInput(ProcessBuilder.Redirect.from(
                        new java.io.File("/dev/null")))
                .start();
        ServiceProcess service = new ServiceProcess(name, process, log, port);
        Runtime.getRuntime().addShutdownHook(new Thread(process::destroyForcibly, name + "-exit-hook"));
        return service;
    }

    URI baseUrl() {
        return URI.create("http://localhost:" + port);
    }

    String name() {
        return name;
    }

    /** Waits until readiness answers UP; fails with the end of the replica's log when it exits or stays down. */
    ServiceProcess awaitReady() {
        await(name + " ready").atMost(STARTUP).pollInterval(Duration.ofMillis(500))
                .failFast(() -> {
                    // the log is read when the replica has exited, not when the wait begins
                    if (!process.isAlive()) {
                        throw new IllegalStateException(name + " exited; its log ends with:\n" + tail());
                    }
                })
                .until(() -> status("/actuator/health/readiness") == 200);
        return this;
    }

    /** The HTTP status of a GET, or -1 when nothing answers. */
    int status(String path) {
        try {
            return http.send(HttpRequest.newBuilder(baseUrl().resolve(path)).timeout(Duration.ofSeconds(5)).GET()
                    .build(), HttpResponse.BodyHandlers.discarding()).statusCode();
        } catch (IOException e) {
            return -1;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return -1;
        }
    }

    boolean alive() {
        return process.isAlive();
    }

    /** SIGKILL: the replica dies where it stands, as a pod whose node is lost. */
    void kill() {
        process.destroyForcibly();
        waitForExit(Duration.ofSeconds(30));
    }

    /** SIGTERM, as Kubernetes stops a pod; waits for the graceful shutdown and returns the exit status. */
    int terminate(Duration grace) {
        process.destroy();
        if (!waitForExit(grace)) {
            process.destroyForcibly();
            waitForExit(Duration.ofSeconds(30));
            throw new IllegalStateException(name + " did not stop within " + grace + " of SIGTERM; log:\n" + tail());
        }
        return process.exitValue();
    }

    private boolean waitForExit(Duration limit) {
        try {
            return process.waitFor(limit.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /** The replica's whole log so far. */
    String log() {
        try {
            return Files.readString(log, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    String tail() {
        String text = log();
        return text.length() <= 8000 ? text : text.substring(text.length() - 8000);
    }

    @Override
    public void close() {
        if (process.isAlive()) {
            kill();
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }
}
