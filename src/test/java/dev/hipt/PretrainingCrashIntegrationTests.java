package dev.hipt;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * A pretraining job whose process is killed with SIGKILL in the middle of its run: a fresh process on the same
 * PostgreSQL and blob store revives the job once its heartbeat is stale, resumes it from the last checkpoint the
 * dead one stored (not from iteration 0), and finishes it with one loss per iteration, the dead process's losses
 * kept as they were.
 */
class PretrainingCrashIntegrationTests {

    private static final int ITERATIONS = 16;
    private static final Duration LIMIT = Duration.ofSeconds(180);
    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final Pattern RESUMED = Pattern.compile("resumes at iteration (\\d+) of " + ITERATIONS);

    @TempDir
    Path work;

    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    @Test
    void aJobKilledMidRunResumesFromItsLastCheckpointInTheNextProcess() throws Exception {
        PostgresTestDatabase.Database database = PostgresTestDatabase.newDatabase();
        Map<String, String> properties = new HashMap<>(Map.ofEntries(
                Map.entry("spring.profiles.active", "postgres"),
                Map.entry("spring.datasource.url", database.jdbcUrl()),
                Map.entry("spring.datasource.username", database.username()),
                Map.entry("spring.datasource.password", database.password()),
                Map.entry("hipt.storage.root", Files.createDirectories(work.resolve("data")).toString()),
                Map.entry("hipt.model.device", "cpu"),
                Map.entry("hipt.upload.isolate-readers", "false"),
                Map.entry("hipt.job.polling-interval", "200ms"),
                Map.entry("hipt.job.heartbeat", "1s"),
                Map.entry("hipt.job.missed-heartbeats", "4"),
                Map.entry("hipt.pretraining.yield-delay", "200ms"),
                Map.entry("hipt.security.api-keys[0].name", "test-admin"),
                Map.entry("hipt.security.api-keys[0].role", "ADMIN"),
                Map.entry("hipt.security.api-keys[0].key-sha256",
                        "944650a7cd0f9e14d5c4fb15edbffb7fa45fb9ed36a4fa9be3d7e5476ae51bd9")));

        UUID job;
        JsonNode beforeKill;
        try (ServiceProcess first = ServiceProcess.start("pretraining-first", work, properties).awaitReady()) {
            UUID slide = upload(first.baseUrl(), TestSlideImages.tissue(201));
            Map<String, Object> request = PretrainingIntegrationTests.tiny(1, List.of(slide), ITERATIONS);
            HttpResponse<String> created = send(first.baseUrl(), "POST", "/api/v1/admin/pretraining-jobs",
                    JSON.writeValueAsString(request));
            assertThat(created.statusCode()).as(created.body()).isEqualTo(202);
            job = UUID.fromString(JSON.readTree(created.body()).path("id").asString());

            beforeKill = await("two checkpoints of job " + job).atMost(LIMIT).pollInterval(Duration.ofMillis(100))
                    .failFast("the job ended before the kill", () -> isFinal(view(first.baseUrl(), job)))
                    .until(() -> view(first.baseUrl(), job), v -> v.path("checkpointIteration").asInt(0) >= 4);
            first.kill();
        }
        assertThat(beforeKill.path("status").asString()).isEqualTo("RUNNING");
        int checkpointBeforeKill = beforeKill.path("checkpointIteration").asInt();
        List<Double> lossesBeforeKill = losses(beforeKill);

        try (ServiceProcess second = ServiceProcess.start("pretraining-second", work, properties).awaitReady()) {
            JsonNode done = await("job " + job + " after the restart").atMost(LIMIT)
                    .pollInterval(Duration.ofMillis(200))
                    .until(() -> view(second.baseUrl(), job), PretrainingCrashIntegrationTests::isFinal);

            assertThat(done.path("status").asString()).as("job %s", done).isEqualTo("SUCCEEDED");
            assertThat(done.path("progress").path("iteration").asInt()).isEqualTo(ITERATIONS);
            assertThat(done.path("modelId").isString()).as("registered model of %s", done).isTrue();
            Matcher resumed = RESUMED.matcher(second.log());
            assertThat(resumed.find()).as("the second process resumes the job; its log:\n%s", second.tail())
                    .isTrue();
            assertThat(Integer.parseInt(resumed.group(1))).as("iteration the job resumed at")
                    .isGreaterThanOrEqualTo(checkpointBeforeKill).isLessThan(ITERATIONS);

            List<JsonNode> history = new ArrayList<>();
            done.path("lossHistory").forEach(history::add);
            assertThat(history).extracting(l -> l.path("iteration").asInt())
                    .containsExactlyElementsOf(IntStream.rangeClosed(1, ITERATIONS).boxed().toList());
            List<Double> losses = losses(done);
            // the steps before the checkpoint are the dead process's; those after it, computed again from the
            // checkpoint with the same data and seed, come out the same
            for (int i = 0; i < lossesBeforeKill.size(); i++) {
                assertThat(losses.get(i)).as("loss of iteration %d", i + 1)
                        .isCloseTo(lossesBeforeKill.get(i), within(1e-4));
            }
        }
    }

    private static boolean isFinal(JsonNode view) {
        return List.of("SUCCEEDED", "FAILED", "CANCELLED").contains(view.path("status").asString());
    }

    private static List<Double> losses(JsonNode view) {
        List<Double> out = new ArrayList<>();
        view.path("lossHistory").forEach(l -> out.add(l.path("loss").asDouble()));
        return out;
    }

    private JsonNode view(URI base, UUID job) throws IOException, InterruptedException {
        HttpResponse<String> answer = send(base, "GET", "/api/v1/admin/pretraining-jobs/" + job, null);
        assertThat(answer.statusCode()).as(answer.body()).isEqualTo(200);
        return JSON.readTree(answer.body());
    }

    private UUID upload(URI base, byte[] png) throws IOException, InterruptedException {
        HttpResponse<String> answer = http.send(HttpRequest.newBuilder(base.resolve(
                        "/api/v1/slides?filename=tissue.png&mpp=0.5"))
                .header("X-API-Key", ServiceIntegrationTestSupport.ADMIN_KEY)
                .header("Content-Type", "application/octet-stream")
                .POST(HttpRequest.BodyPublishers.ofByteArray(png)).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(answer.statusCode()).as(answer.body()).isEqualTo(202);
        return UUID.fromString(JSON.readTree(answer.body()).path("slide").path("id").asString());
    }

    private HttpResponse<String> send(URI base, String method, String path, String json)
            throws IOException, InterruptedException {
        HttpRequest.Builder request = HttpRequest.newBuilder(base.resolve(path)).timeout(Duration.ofSeconds(30))
                .header("X-API-Key", ServiceIntegrationTestSupport.ADMIN_KEY);
        if (json == null) {
            request.method(method, HttpRequest.BodyPublishers.noBody());
        } else {
            request.header("Content-Type", "application/json")
                    .method(method, HttpRequest.BodyPublishers.ofString(json));
        }
        return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }
}
