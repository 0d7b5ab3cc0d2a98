package dev.hipt.job;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.hipt.HiptApplication;
import dev.hipt.PostgresTestDatabase;
import dev.hipt.ServiceIntegrationTestSupport;
import dev.hipt.TinyCheckpoints;
import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.web.server.context.WebServerApplicationContext;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.jdbc.datasource.DriverManagerDataSource;
import tools.jackson.databind.json.JsonMapper;

/**
 * A rolling restart of the worker replicas while one long analysis runs: two replicas (separate Spring
 * applications with their own schedulers, pools and models, on one PostgreSQL and one blob store), and five times in
 * a row the replica running the job is shut down gracefully (what SIGTERM triggers) and a fresh one started. On each
 * shutdown readiness goes down first, the region batch in flight finishes, the job goes back to the queue and the
 * other replica resumes it at once; a shutdown never counts as an attempt, so with {@code max-attempts=2} the job
 * still succeeds, on its first attempt, with every region stored exactly once.
 */
class RollingRestartIntegrationTests {

    private static final int RESTARTS = 5;
    private static final JsonMapper JSON = JsonMapper.builder().build();

    @TempDir
    Path work;
    private final List<ConfigurableApplicationContext> replicas = new ArrayList<>();
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private Map<String, Object> properties;
    private int started;

    @AfterEach
    void stopReplicas() {
        replicas.forEach(ConfigurableApplicationContext::close);
    }

    @Test
    void aLongAnalysisSurvivesFiveRollingRestartsWithoutUsingUpItsAttempts() throws Exception {
        PostgresTestDatabase.Database database = PostgresTestDatabase.newDatabase();
        properties = new HashMap<>(Map.<String, Object>copyOf(TinyCheckpoints.write(work.resolve("weights"))));
        properties.putAll(Map.ofEntries(
                Map.entry("spring.profiles.active", "postgres"),
                Map.entry("spring.datasource.url", database.jdbcUrl()),
                Map.entry("spring.datasource.username", database.username()),
                Map.entry("spring.datasource.password", database.password()),
                Map.entry("spring.datasource.hikari.maximum-pool-size", "4"),
                Map.entry("spring.main.banner-mode", "off"),
                Map.entry("server.port", "0"),
                Map.entry("hipt.storage.root", Files.createDirectories(work.resolve("data")).toString()),
                Map.entry("hipt.model.device", "cpu"),
                Map.entry("hipt.upload.isolate-readers", "false"),
                Map.entry("hipt.job.polling-interval", "200ms"),
                Map.entry("hipt.job.batch-regions", "1"),
                Map.entry("hipt.job.max-attempts", "2"),
                Map.entry("hipt.security.api-keys[0].name", "test-client"),
                Map.entry("hipt.security.api-keys[0].role", "CLIENT"),
                Map.entry("hipt.security.api-keys[0].key-sha256",
                        "5ce15761d99d8887142d76d3f44fc2045ace53e646a6e90c923aa2febc0d10e1")));
        replicas.add(start());
        replicas.add(start());
        JdbcClient jdbc = JdbcClient.create(new DriverManagerDataSource(database.jdbcUrl(), database.username(),
                database.password()));

        UUID job = upload(replicas.get(0));
        int regionsBefore = 0;
        for (int restart = 1; restart <= RESTARTS; restart++) {
            int seen = regionsBefore;
            ConfigurableApplicationContext holder = await("restart " + restart + ": a region stored, and a holder")
                    .atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofMillis(100))
                    .until(() -> doneRegions(jdbc, job) > seen ? holderOf(job) : null, h -> h != null);
            regionsBefore = doneRegions(jdbc, job);
            assertThat(status(jdbc, job)).as("restart %d happens mid-job", restart).isEqualTo("RUNNING");

            AtomicBoolean refusedTraffic = watchReadiness(holder);
            replicas.remove(holder);
            holder.close();
            assertThat(refusedTraffic).as("restart %d: readiness went down before the replica stopped", restart)
                    .isTrue();
            assertThat(attempts(jdbc, job)).as("restart %d: the shutdown did not count as an attempt", restart)
                    .isLessThanOrEqualTo(1);
            replicas.add(start());
        }

        await("the job finishes after " + RESTARTS + " restarts").atMost(Duration.ofSeconds(240))
                .pollInterval(Duration.ofMillis(250))
                .failFast("the job failed", () -> List.of("FAILED", "CANCELLED").contains(status(jdbc, job)))
                .until(() -> status(jdbc, job).equals("SUCCEEDED"));
        assertThat(attempts(jdbc, job)).as("attempts of a job that only saw restarts").isEqualTo(1);
        long planned = jdbc.sql("select total_regions from analysis_job where id = ?").param(job)
                .query(Long.class).single();
        long stored = jdbc.sql("select count(*) from region_embedding r join analysis_job j on j.slide_id ="
                + " r.slide_id where j.id = ?").param(job).query(Long.class).single();
        assertThat(stored).as("regions stored").isEqualTo(planned).isGreaterThan(RESTARTS);
    }

    private ConfigurableApplicationContext start() {
        Map<String, Object> own = new HashMap<>(properties);
        own.put("spring.application.name", "replica-" + ++started);
        // As arguments, the way an operator starts it: they win over the profile's application-postgres.yml.
        return new SpringApplicationBuilder(HiptApplication.class)
                .run(own.entrySet().stream().map(e -> "--" + e.getKey() + "=" + e.getValue()).toArray(String[]::new));
    }

    /** The replica whose worker runs {@code job} now; null when none does (between hand-overs). */
    private ConfigurableApplicationContext holderOf(UUID job) {
        for (ConfigurableApplicationContext replica : replicas) {
            if (replica.getBean(WorkerActivity.class).running().stream().anyMatch(r -> r.jobId().equals(job))) {
                return replica;
            }
        }
        return null;
    }

    /** Polls the replica's readiness over HTTP while it shuts down; true once it answered anything but 200. */
    private AtomicBoolean watchReadiness(ConfigurableApplicationContext replica) {
        URI readiness = URI.create("http://localhost:" + ((WebServerApplicationContext) replica).getWebServer()
                .getPort() + "/actuator/health/readiness");
        AtomicBoolean refused = new AtomicBoolean();
        CompletableFuture.runAsync(() -> {
            long until = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            while (!refused.get() && System.nanoTime() < until && replica.isActive()) {
                try {
                    int status = http.send(HttpRequest.newBuilder(readiness).timeout(Duration.ofSeconds(2)).GET()
                            .build(), HttpResponse.BodyHandlers.discarding()).statusCode();
                    if (status != 200) {
                        refused.set(true);
                    }
                } catch (IOException e) {
                    return;      // the web server has stopped: too late to tell
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return;
                }
            }
        });
        return refused;
    }

    /** An 8192 x 2048 image at 2 um/px: 16 regions of 1024 level-0 pixels, all tissue. */
    private UUID upload(ConfigurableApplicationContext replica) throws IOException, InterruptedException {
        BufferedImage image = new BufferedImage(8192, 2048, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = image.createGraphics();
        g.setColor(new Color(190, 90, 160));
        g.fillRect(0, 0, 8192, 2048);
        g.dispose();
        ByteArrayOutputStream png = new ByteArrayOutputStream();
        ImageIO.write(image, "png", png);
        String boundary = "rolling-" + UUID.randomUUID();
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        body.writeBytes(("--" + boundary + "\r\nContent-Disposition: form-data; name=\"mpp\"\r\n\r\n2.0\r\n--"
                + boundary + "\r\nContent-Disposition: form-data; name=\"file\"; filename=\"long.png\"\r\n"
                + "Content-Type: application/octet-stream\r\n\r\n").getBytes(StandardCharsets.UTF_8));
        body.writeBytes(png.toByteArray());
        body.writeBytes(("\r\n--" + boundary + "--\r\n").getBytes(StandardCharsets.UTF_8));
        int port = ((WebServerApplicationContext) replica).getWebServer().getPort();
        HttpResponse<String> answer = http.send(HttpRequest.newBuilder(URI.create("http://localhost:" + port
                        + "/api/v1/slides")).header("X-API-Key", ServiceIntegrationTestSupport.CLIENT_KEY)
                .header("Content-Type", "multipart/form-data; boundary=" + boundary)
                .POST(HttpRequest.BodyPublishers.ofByteArray(body.toByteArray())).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(answer.statusCode()).as(answer.body()).isEqualTo(202);
        return UUID.fromString(JSON.readTree(answer.body()).path("job").path("id").asString());
    }

    private static int doneRegions(JdbcClient jdbc, UUID job) {
        return jdbc.sql("select done_regions from analysis_job where id = ?").param(job).query(Integer.class).single();
    }

    private static int attempts(JdbcClient jdbc, UUID job) {
        return jdbc.sql("select attempts from analysis_job where id = ?").param(job).query(Integer.class).single();
    }

    private static String status(JdbcClient jdbc, UUID job) {
        return jdbc.sql("select status from analysis_job where id = ?").param(job).query(String.class).single();
    }
}
