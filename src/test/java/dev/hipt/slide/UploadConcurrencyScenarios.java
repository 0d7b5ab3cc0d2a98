package dev.hipt.slide;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hipt.ServiceIntegrationTestSupport;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.test.context.TestPropertySource;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Concurrent uploads over real HTTP against the real job engine (no analysis worker runs, so jobs stay queued):
 * the queue limit and the one-active-analysis-per-slide rule hold when requests race. Run on H2 and PostgreSQL.
 */
@TestPropertySource(properties = {"hipt.job.workers-per-device=0", "hipt.job.max-queued=5"})
abstract class UploadConcurrencyScenarios extends ServiceIntegrationTestSupport {

    private static final int MAX_QUEUED = 5;
    private static final JsonMapper JSON = JsonMapper.builder().build();

    @Autowired
    JdbcClient jdbc;

    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5)).build();
    private final ExecutorService callers = Executors.newFixedThreadPool(20);

    record Answer(int status, String body, String retryAfter) {
        JsonNode json() {
            return JSON.readTree(body);
        }
    }

    @BeforeEach
    @AfterEach
    void emptyTheQueue() {
        jdbc.sql("select id from analysis_job where status = 'QUEUED'").query(UUID.class).list()
                .forEach(id -> send(HttpRequest.newBuilder(URI.create(baseUrl() + "/api/v1/jobs/" + id + "/cancel"))
                        .header("X-API-Key", CLIENT_KEY).POST(HttpRequest.BodyPublishers.noBody()).build()));
    }

    @AfterEach
    void stopCallers() {
        callers.shutdownNow();
    }

    @Test
    void acceptsExactlyMaxQueuedOfConcurrentUploads() throws Exception {
        long slidesBefore = count("select count(*) from slides");
        List<byte[]> images = IntStream.range(0, 20).mapToObj(i -> SlideIntegrationTestSupport.uniquePng()).toList();

        List<Answer> answers = all(images.stream().map(png -> upload("filename=a.png&mpp=0.5", png)).toList());

        assertThat(answers).filteredOn(a -> a.status() == 202).hasSize(MAX_QUEUED);
        List<Answer> refused = answers.stream().filter(a -> a.status() != 202).toList();
        assertThat(refused).hasSize(20 - MAX_QUEUED).allSatisfy(a -> {
            assertThat(a.status()).as(a.body()).isEqualTo(429);
            assertThat(a.json().path("code").asString()).isEqualTo("QUEUE_FULL");
            assertThat(a.retryAfter()).isNotBlank();
        });
        assertThat(count("select count(*) from analysis_job where status = 'QUEUED'")).isEqualTo(MAX_QUEUED);
        assertThat(count("select count(*) from slides") - slidesBefore).as("refused uploads leave no slide")
                .isEqualTo(MAX_QUEUED);
    }

    @Test
    void acceptsExactlyMaxQueuedOfConcurrentReanalysesOfDistinctSlides() throws Exception {
        // Registered one by one (each first analysis cancelled), then reanalysed all at once: a reanalysis skips
        // inspection and storage, so the twenty submissions really do meet in the queue check.
        List<byte[]> images = IntStream.range(0, 20).mapToObj(i -> SlideIntegrationTestSupport.uniquePng()).toList();
        for (byte[] png : images) {
            assertThat(upload("filename=a.png&mpp=0.5", png).call().status()).isEqualTo(202);
            emptyTheQueue();
        }

        List<Answer> answers = all(images.stream().map(png -> upload("filename=a.png&reanalyse=true", png)).toList());

        assertThat(answers).filteredOn(a -> a.status() == 202).hasSize(MAX_QUEUED);
        assertThat(answers).filteredOn(a -> a.status() != 202).hasSize(20 - MAX_QUEUED)
                .allSatisfy(a -> assertThat(a.json().path("code").asString()).as(a.body()).isEqualTo("QUEUE_FULL"));
        assertThat(count("select count(*) from analysis_job where status = 'QUEUED'")).isEqualTo(MAX_QUEUED);
    }

    @Test
    void concurrentReanalysesOfOneSlideAllGetItsActiveJob() throws Exception {
        byte[] png = SlideIntegrationTestSupport.uniquePng();
        Answer first = upload("filename=a.png&mpp=0.5", png).call();
        assertThat(first.status()).as(first.body()).isEqualTo(202);
        String slideId = first.json().path("slide").path("id").asString();
        String jobId = first.json().path("job").path("id").asString();

        List<Answer> again = all(IntStream.range(0, 8).mapToObj(i -> upload("filename=a.png&reanalyse=true", png))
                .toList());

        assertThat(again).allSatisfy(a -> {
            assertThat(a.status()).as(a.body()).isEqualTo(200);
            assertThat(a.json().path("job").path("id").asString()).isEqualTo(jobId);
            assertThat(a.json().path("analysis").asString()).isEqualTo("ALREADY_ACTIVE");
        });
        assertThat(count("select count(*) from analysis_job where slide_id = '" + slideId + "'")).isEqualTo(1);

        // Once that job has ended, a reanalysis is queued again, and only one.
        emptyTheQueue();
        List<Answer> next = all(IntStream.range(0, 4).mapToObj(i -> upload("filename=a.png&reanalyse=true", png))
                .toList());
        assertThat(next).filteredOn(a -> a.status() == 202).hasSize(1);
        assertThat(next).extracting(a -> a.json().path("job").path("id").asString()).doesNotContain(jobId)
                .containsOnly(next.get(0).json().path("job").path("id").asString());
        assertThat(count("select count(*) from analysis_job where slide_id = '" + slideId
                + "' and status in ('QUEUED', 'RUNNING')")).isEqualTo(1);
    }

    private java.util.concurrent.Callable<Answer> upload(String query, byte[] png) {
        return () -> send(HttpRequest.newBuilder(URI.create(baseUrl() + "/api/v1/slides?" + query))
                .header("X-API-Key", CLIENT_KEY).header("Content-Type", "application/octet-stream")
                .POST(HttpRequest.BodyPublishers.ofByteArray(png)).build());
    }

    /** Runs the calls at once (released together) and returns their answers in order. */
    private List<Answer> all(List<java.util.concurrent.Callable<Answer>> calls) throws Exception {
        CountDownLatch start = new CountDownLatch(1);
        List<Future<Answer>> futures = new ArrayList<>();
        for (var call : calls) {
            futures.add(callers.submit(() -> {
                start.await();
                return call.call();
            }));
        }
        start.countDown();
        List<Answer> answers = new ArrayList<>();
        for (Future<Answer> future : futures) {
            answers.add(future.get());
        }
        return answers;
    }

    private Answer send(HttpRequest request) {
        try {
            HttpResponse<String> response = http.send(request, HttpResponse.BodyHandlers.ofString());
            return new Answer(response.statusCode(), response.body(),
                    response.headers().firstValue("Retry-After").orElse(""));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private long count(String sql) {
        return jdbc.sql(sql).query(Long.class).single();
    }
}
