package dev.hipt.job;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.github.kagkarlsson.scheduler.Scheduler;
import com.github.kagkarlsson.scheduler.SchedulerClient;
import dev.hipt.ServiceIntegrationTestSupport;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.List;
import java.util.UUID;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.TestConfiguration;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Import;
import org.springframework.context.annotation.Primary;
import org.springframework.http.HttpStatusCode;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.test.context.TestPropertySource;

/**
 * {@code DELETE /api/v1/slides/{id}} while the slide's job is encoding a region, on the real worker, result store
 * (database rows and {@code .npy} blobs) and slide deletion; only slide reading and the model are stand-ins, so the
 * test can hold the encoder until the slide is gone.
 */
@Import(SlideDeletedDuringAnalysisIntegrationTests.Doubles.class)
@TestPropertySource(properties = {
        "hipt.job.polling-interval=100ms",
        "hipt.job.batch-regions=1",
        "hipt.job.read-ahead=1",
        "hipt.job.retry-backoff=100ms"})
class SlideDeletedDuringAnalysisIntegrationTests extends ServiceIntegrationTestSupport {

    @TestConfiguration(proxyBeanMethods = false)
    static class Doubles {
        @Bean
        @Primary
        FakeSlides fakeSlides() {
            return new FakeSlides();
        }

        @Bean
        @Primary
        FakeInference fakeInference() {
            return new FakeInference();
        }

        @Bean
        @Primary
        FakeModels fakeModels() {
            return new FakeModels();
        }
    }

    @Autowired
    FakeSlides slides;
    @Autowired
    FakeInference inference;
    @Autowired
    AnalysisJobs jobs;
    @Autowired
    SchedulerClient queue;
    @Autowired
    JdbcClient jdbc;

    @Test
    void regionWrittenAfterTheDeleteLeavesNoOrphanBlobOrRow() {
        FakeSlides.Slide fake = slides.add(3);
        UUID slideId = insertSlide(fake.blobKey);
        FakeInference.Gate gate = inference.hold(fake.tag, 1);
        JobView job = jobs.submit(new AnalysisRequest(slideId, fake.blobKey, null));
        await().atMost(Duration.ofSeconds(30)).until(gate::reached);
        assertThat(resultFiles(slideId)).as("region 0 is stored before the delete").isNotEmpty();

        HttpStatusCode deleted = client.delete().uri("/api/v1/slides/{id}", slideId).retrieve().toBodilessEntity()
                .getStatusCode();
        assertThat(deleted.value()).isEqualTo(204);
        // the worker now finishes region 1 of a slide that is gone, and writes its result
        gate.open();

        await().atMost(Duration.ofSeconds(30)).until(() -> inference.encodedRegions(fake.tag).contains(1)
                && ((Scheduler) queue).getCurrentlyExecuting().isEmpty());
        assertThat(resultFiles(slideId)).as("result blobs of the deleted slide").isEmpty();
        assertThat(jdbc.sql("select count(*) from region_embedding where slide_id = ?").param(slideId)
                .query(Long.class).single()).isZero();
        assertThat(jdbc.sql("select count(*) from analysis_job where id = ?").param(job.id())
                .query(Long.class).single()).isZero();
    }

    private UUID insertSlide(String blobKey) {
        UUID id = UUID.randomUUID();
        OffsetDateTime now = OffsetDateTime.now(ZoneOffset.UTC);
        jdbc.sql("insert into slides (id, filename, sha256, size_bytes, blob_key, file_format, width, height, mpp_x,"
                        + " mpp_y, mpp_source, created_at, updated_at) values (?, 'fake.svs', ?, 1, ?, 'fake', 12288,"
                        + " 4096, 0.5, 0.5, 'file', ?, ?)")
                .params(id, UUID.randomUUID().toString().replace("-", "") + "00000000000000000000000000000000",
                        blobKey, now, now)
                .update();
        return id;
    }

    private List<Path> resultFiles(UUID slideId) {
        Path dir = dataDirectory().resolve("blobs").resolve("results").resolve(slideId.toString());
        if (!Files.isDirectory(dir)) {
            return List.of();
        }
        try (Stream<Path> walk = Files.walk(dir)) {
            return walk.filter(Files::isRegularFile).toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
