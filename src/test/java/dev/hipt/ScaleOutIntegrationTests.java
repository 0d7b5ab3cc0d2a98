package dev.hipt;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.hipt.storage.S3MockServer;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.awaitility.core.ConditionTimeoutException;
import org.awaitility.core.TerminalFailureException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Two replicas of the service, each its own JVM, on one PostgreSQL and one S3-compatible store (S3Mock), the way
 * the Helm chart deploys worker pods. A batch uploaded to either is analysed once: every job succeeds on its first
 * attempt, every region is encoded by exactly one replica and stored once, and both replicas take part. Then one
 * replica is killed (SIGKILL) in the middle of a second batch, and the survivor finishes everything: the dead
 * replica's job is revived after the heartbeat timeout and resumed, nothing is lost. Last, a rolling restart with a
 * real SIGTERM: a fresh replica starts, the one running a long job is sent SIGTERM, its readiness goes down, it
 * finishes the batch in flight and hands the job back without using up an attempt, and the fresh one finishes it.
 */
class ScaleOutIntegrationTests {

    private static final String S3MOCK_JAR = System.getProperty("hipt.test.s3mock.jar", "");
    private static final String BUCKET = "hipt-scale-out";
    private static final int BATCH = 8;
    private static final Duration BATCH_LIMIT = Duration.ofSeconds(240);
    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final Pattern REGIONS_PROCESSED =
            Pattern.compile("(?m)^hipt_regions_processed_total(?:\\{[^}]*})?\\s+(\\S+)$");

    @TempDir
    static Path work;
    private static S3MockServer s3;
    private static Map<String, String> shared;
    private static PostgresTestDatabase.Database database;
    private static final List<ServiceProcess> replicas = new ArrayList<>();

    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    @BeforeAll
    static void startReplicas() throws IOException {
        assumeTrue(!S3MOCK_JAR.isBlank(), "hipt.test.s3mock.jar is not set (run through ./mvnw verify): skipping"
                + " the two-replica tests");
        s3 = S3MockServer.start(Path.of(S3MOCK_JAR), Files.createDirectories(work.resolve("s3")), BUCKET);
        database = PostgresTestDatabase.newDatabase();
        shared = new HashMap<>(TinyCheckpoints.write(work.resolve("weights")));
        shared.putAll(Map.ofEntries(
                Map.entry("spring.profiles.active", "postgres"),
                Map.entry("spring.datasource.url", database.jdbcUrl()),
                Map.entry("spring.datasource.username", database.username()),
                Map.entry("spring.datasource.password", database.password()),
                Map.entry("hipt.storage.type", "s3"),
                Map.entry("hipt.storage.s3.endpoint", s3.endpoint().toString()),
                Map.entry("hipt.storage.s3.bucket", BUCKET),
                Map.entry("hipt.storage.s3.access-key", "test"),
                Map.entry("hipt.storage.s3.secret-key", "test"),
                Map.entry("hipt.storage.s3.path-style", "true"),
                Map.entry("hipt.model.device", "cpu"),
                Map.entry("hipt.upload.isolate-readers", "false"),
                Map.entry("hipt.job.polling-interval", "200ms"),
                Map.entry("hipt.job.heartbeat", "1s"),
                Map.entry("hipt.job.missed-heartbeats", "4"),
                // one region read ahead and one per batch: a region in flight is ~200 MB of float pixels
                Map.entry("hipt.job.read-ahead", "1"),
                Map.entry("hipt.job.batch-regions", "1"),
                Map.entry("hipt.security.api-keys[0].name", "test-client"),
                Map.entry("hipt.security.api-keys[0].role", "ADMIN"),
                Map.entry("hipt.security.api-keys[0].key-sha256",
                        "5ce15761d99d8887142d76d3f44fc2045ace53e646a6e90c923aa2febc0d10e1")));
        for (String name : List.of("replica-a", "replica-b")) {
            replicas.add(ServiceProcess.start(name, work, replicaProperties(name)));
        }
        replicas.forEach(ServiceProcess::awaitReady);
    }

    private static Map<String, String> replicaProperties(String name) throws IOException {
        Map<String, String> own = new HashMap<>(shared);
        own.put("hipt.storage.root", Files.createDirectories(work.resolve(name)).toString());
        return own;
    }

    @AfterAll
    static void stopReplicas() {
        replicas.forEach(ServiceProcess::close);
        if (s3 != null) {
            s3.close();
        }
    }

    @Test
    void twoReplicasAnalyseABatchOnceTheSurvivorFinishesAKilledReplicasWorkAndASigtermHandsAJobOn() throws Exception {
        ServiceProcess a = replicas.get(0);
        ServiceProcess b = replicas.get(1);

        // A batch uploaded to either replica: each job done once, each region encoded once, both replicas working.
        List<UUID> first = uploadBatch(0, a, b);
        awaitAllSucceeded(first, b);
        assertThat(attempts(first)).as("attempts of each job of the first batch").containsOnly(1);
        long regions = storedRegions(first);
        assertThat(regions).as("regions stored for the first batch").isEqualTo(plannedRegions(first));
        double byA = regionsProcessed(a);
        double byB = regionsProcessed(b);
        assertThat(byA + byB).as("regions encoded by both replicas together").isEqualTo(regions);
        assertThat(byA).as("regions encoded by %s", a.name()).isPositive();
        assertThat(byB).as("regions encoded by %s", b.name()).isPositive();

        // A second batch; replica A dies mid-way. B revives A's job after the heartbeat timeout and finishes all.
        List<UUID> second = uploadBatch(BATCH, a, b);
        await("part of the second batch done").atMost(BATCH_LIMIT).pollInterval(Duration.ofMillis(200))
                .until(() -> countStatus(second, "SUCCEEDED") >= 2);
        a.kill();
        awaitAllSucceeded(second, b);
        assertThat(storedRegions(second)).as("regions stored for the second batch").isEqualTo(plannedRegions(second));
        assertThat(attempts(second)).as("attempts of the second batch's jobs: the one A held was revived once")
                .contains(2).allMatch(n -> n <= 2);
        assertThat(b.status("/actuator/health/readiness")).isEqualTo(200);

        // A real SIGTERM to the replica running a long job: readiness goes down, the batch in flight finishes, the
        // job goes back to the queue without counting as an attempt, and a fresh replica resumes it.
        HttpResponse<String> upload = http.send(upload(b.baseUrl(), "long.png",
                TestSlideImages.tissueEverywhere(4096, 2048), "4.0"), HttpResponse.BodyHandlers.ofString());
        assertThat(upload.statusCode()).as(upload.body()).isEqualTo(202);
        List<UUID> longJob = List.of(UUID.fromString(JSON.readTree(upload.body()).path("job").path("id").asString()));
        await("B stores a region of the long job").atMost(BATCH_LIMIT).pollInterval(Duration.ofMillis(200))
                .until(() -> storedRegions(longJob) >= 1);
        ServiceProcess c = ServiceProcess.start("replica-c", work, replicaProperties("replica-c"));
        replicas.add(c);
        c.awaitReady();
        long storedBeforeTerm = storedRegions(longJob);
        assertThat(storedBeforeTerm).as("the long job is still running on B").isLessThan(plannedRegions(longJob));
        java.util.concurrent.atomic.AtomicBoolean unready = new java.util.concurrent.atomic.AtomicBoolean();
        Thread watcher = new Thread(() -> {
            while (b.alive() && !unready.get()) {
                int status = b.status("/actuator/health/readiness");
                if (status != 200 && status != -1) {
                    unready.set(true);
                }
            }
        });
        watcher.start();
        assertThat(b.terminate(Duration.ofSeconds(120))).as("B's exit status after SIGTERM").isIn(0, 143);
        watcher.join(10_000);
        assertThat(unready).as("B's readiness went down before it stopped").isTrue();
        assertThat(b.log()).contains("handed back to the queue on shutdown");
        awaitAllSucceeded(longJob, c);
        assertThat(attempts(longJob)).as("a SIGTERM is not a failed attempt").containsExactly(1);
        assertThat(storedRegions(longJob)).isEqualTo(plannedRegions(longJob));
    }

    private List<UUID> uploadBatch(int offset, ServiceProcess a, ServiceProcess b) throws Exception {
        List<UUID> jobs = new ArrayList<>();
        for (int i = 0; i < BATCH; i++) {
            ServiceProcess target = i % 2 == 0 ? a : b;
            HttpResponse<String> upload = http.send(upload(target.baseUrl(), "batch-" + (offset + i) + ".png",
                    TestSlideImages.tissue(1000 + offset + i), "0.5"), HttpResponse.BodyHandlers.ofString());
            assertThat(upload.statusCode()).as("upload to %s: %s", target.name(), upload.body()).isEqualTo(202);
            jobs.add(UUID.fromString(JSON.readTree(upload.body()).path("job").path("id").asString()));
        }
        return jobs;
    }

    private void awaitAllSucceeded(List<UUID> jobs, ServiceProcess reader) throws SQLException {
        try {
            await("every job of the batch SUCCEEDED").atMost(BATCH_LIMIT).pollInterval(Duration.ofMillis(500))
                    .failFast("a job failed", () -> countStatus(jobs, "FAILED") + countStatus(jobs, "CANCELLED") > 0)
                    .until(() -> allSucceeded(jobs, reader));
        } catch (TerminalFailureException | ConditionTimeoutException e) {
            throw new AssertionError(e.getMessage() + ": " + errors(jobs) + "; " + reader.name()
                    + "'s log ends with:\n" + reader.tail(), e);
        }
    }

    /** Asks the API, as a client polling its jobs would. */
    private boolean allSucceeded(List<UUID> jobs, ServiceProcess reader) throws IOException, InterruptedException {
        for (UUID job : jobs) {
            if (!"SUCCEEDED".equals(status(reader, job))) {
                return false;
            }
        }
        return true;
    }

    private String status(ServiceProcess replica, UUID job) throws IOException, InterruptedException {
        HttpResponse<String> answer = http.send(HttpRequest.newBuilder(replica.baseUrl().resolve("/api/v1/jobs/"
                        + job)).header("X-API-Key", ServiceIntegrationTestSupport.CLIENT_KEY)
                .timeout(Duration.ofSeconds(10)).GET().build(), HttpResponse.BodyHandlers.ofString());
        assertThat(answer.statusCode()).as(answer.body()).isEqualTo(200);
        JsonNode body = JSON.readTree(answer.body());
        return body.path("status").asString();
    }

    private static HttpRequest upload(URI base, String filename, byte[] content, String mpp) {
        String boundary = "scale-" + UUID.randomUUID();
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        body.writeBytes(("--" + boundary + "\r\nContent-Disposition: form-data; name=\"mpp\"\r\n\r\n" + mpp + "\r\n"
                + "--" + boundary + "\r\nContent-Disposition: form-data; name=\"file\"; filename=\"" + filename
                + "\"\r\nContent-Type: application/octet-stream\r\n\r\n").getBytes(StandardCharsets.UTF_8));
        body.writeBytes(content);
        body.writeBytes(("\r\n--" + boundary + "--\r\n").getBytes(StandardCharsets.UTF_8));
        return HttpRequest.newBuilder(base.resolve("/api/v1/slides"))
                .header("X-API-Key", ServiceIntegrationTestSupport.CLIENT_KEY)
                .header("Content-Type", "multipart/form-data; boundary=" + boundary)
                .timeout(Duration.ofSeconds(30))
                .POST(HttpRequest.BodyPublishers.ofByteArray(body.toByteArray())).build();
    }

    private double regionsProcessed(ServiceProcess replica) throws IOException, InterruptedException {
        HttpResponse<String> scrape = http.send(HttpRequest.newBuilder(replica.baseUrl()
                        .resolve("/actuator/prometheus")).header("X-API-Key", ServiceIntegrationTestSupport.CLIENT_KEY)
                .timeout(Duration.ofSeconds(10)).GET().build(), HttpResponse.BodyHandlers.ofString());
        assertThat(scrape.statusCode()).isEqualTo(200);
        Matcher matcher = REGIONS_PROCESSED.matcher(scrape.body());
        assertThat(matcher.find()).as("hipt_regions_processed_total in the scrape of %s", replica.name()).isTrue();
        return Double.parseDouble(matcher.group(1));
    }

    private static List<Integer> attempts(List<UUID> jobs) throws SQLException {
        List<Integer> attempts = new ArrayList<>();
        for (UUID job : jobs) {
            attempts.add((int) query("select attempts from analysis_job where id = ?", job));
        }
        return attempts;
    }

    private static String errors(List<UUID> jobs) throws SQLException {
        List<String> errors = new ArrayList<>();
        for (UUID job : jobs) {
            try (Connection connection = DriverManager.getConnection(database.jdbcUrl(), database.username(),
                    database.password());
                 PreparedStatement statement = connection.prepareStatement(
                         "select status, error_code, error_detail from analysis_job where id = ?")) {
                statement.setObject(1, job);
                try (ResultSet rs = statement.executeQuery()) {
                    while (rs.next()) {
                        errors.add(rs.getString(1) + " " + rs.getString(2) + " " + rs.getString(3));
                    }
                }
            }
        }
        return errors.toString();
    }

    private static long countStatus(List<UUID> jobs, String status) throws SQLException {
        long n = 0;
        for (UUID job : jobs) {
            n += query("select count(*) from analysis_job where id = ? and status = '" + status + "'", job);
        }
        return n;
    }

    /** Region rows stored for the slides of these jobs. */
    private static long storedRegions(List<UUID> jobs) throws SQLException {
        long n = 0;
        for (UUID job : jobs) {
            n += query("select count(*) from region_embedding r join analysis_job j on j.slide_id = r.slide_id"
                    + " where j.id = ?", job);
        }
        return n;
    }

    /** Regions the jobs planned. */
    private static long plannedRegions(List<UUID> jobs) throws SQLException {
        long n = 0;
        for (UUID job : jobs) {
            n += query("select total_regions from analysis_job where id = ?", job);
        }
        return n;
    }

    private static long query(String sql, UUID job) throws SQLException {
        try (Connection connection = DriverManager.getConnection(database.jdbcUrl(), database.username(),
                database.password());
             PreparedStatement statement = connection.prepareStatement(sql)) {
            statement.setObject(1, job);
            try (ResultSet rs = statement.executeQuery()) {
                assertThat(rs.next()).as("a row for job %s", job).isTrue();
                return rs.getLong(1);
            }
        }
    }
}
