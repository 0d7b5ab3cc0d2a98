package dev.hipt.job;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.hipt.ServiceIntegrationTestSupport;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.context.annotation.Import;
import org.springframework.http.HttpStatusCode;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.test.context.TestPropertySource;

/**
 * Liveness over real HTTP with a worker whose encoder blocks: DOWN once it has made no progress for
 * {@code heartbeat x missed-heartbeats} (here 1 s), UP again when it moves on, and UP throughout a job that moves.
 */
@Import(JobTestDoubles.class)
@TestPropertySource(properties = {
        "hipt.job.workers-per-device=1",
        "hipt.job.heartbeat=200ms",
        "hipt.job.missed-heartbeats=5",
        "hipt.job.polling-interval=100ms",
        "hipt.job.batch-regions=1"})
class WorkerLivenessIntegrationTests extends ServiceIntegrationTestSupport {

    private static final Duration WAIT = Duration.ofSeconds(20);

    @Autowired
    FakeSlides slides;
    @Autowired
    FakeInference inference;
    @Autowired
    AnalysisJobs jobs;
    @Autowired
    JdbcClient jdbc;

    @AfterEach
    void releaseTheEncoder() {
        // A failed test must not leave the only worker stuck for the next one.
        inference.openAllGates();
    }

    @Test
    void livenessIsDownWhileTheOnlyWorkerIsStuckInTheEncoderAndUpOnceItMovesOn() {
        assertThat(liveness()).isEqualTo(200);
        FakeSlides.Slide slide = slides.add(3);
        FakeInference.Gate gate = inference.hold(slide.tag, 1);
        JobView job = submit(slide);
        await().atMost(WAIT).until(gate::reached);

        await().atMost(WAIT).until(() -> liveness() == 503);
        gate.open();
        await().atMost(WAIT).until(() -> jobs.find(job.id()).orElseThrow().status() == JobStatus.SUCCEEDED);
        assertThat(liveness()).isEqualTo(200);
    }

    @Test
    void livenessStaysUpThroughAJobLongerThanTheStuckLimitThatKeepsMoving() {
        FakeSlides.Slide slide = slides.add(12);
        inference.pace(slide.tag, Duration.ofMillis(200));
        JobView job = submit(slide);
        await().atMost(WAIT).until(() -> jobs.find(job.id()).orElseThrow().status() == JobStatus.RUNNING);

        // 12 regions of 200 ms: 2.4 s of work, more than the 1 s after which a worker without progress is stuck.
        await().atMost(WAIT).pollInterval(Duration.ofMillis(100))
                .until(() -> {
                    assertThat(liveness()).as("liveness while the job moves").isEqualTo(200);
                    return jobs.find(job.id()).orElseThrow().status().isFinal();
                });
        assertThat(jobs.find(job.id()).orElseThrow().status()).isEqualTo(JobStatus.SUCCEEDED);
        assertThat(Duration.between(jobs.find(job.id()).orElseThrow().startedAt(),
                jobs.find(job.id()).orElseThrow().finishedAt())).isGreaterThan(Duration.ofSeconds(2));
    }

    private int liveness() {
        return anonymous.get().uri("/actuator/health/liveness").exchange((request, response) -> {
            HttpStatusCode status = response.getStatusCode();
            return status.value();
        });
    }

    private JobView submit(FakeSlides.Slide slide) {
        UUID slideId = UUID.randomUUID();
        jdbc.sql("""
                        insert into slides (id, filename, sha256, size_bytes, blob_key, file_format, width, height,
                            mpp_source, created_at, updated_at)
                        values (:id, 'test.svs', :sha, 1, :blob, 'aperio', 4096, 4096, 'FILE', :now, :now)""")
                .param("id", slideId).param("sha", slideId.toString().replace("-", "") + "0".repeat(32))
                .param("blob", slide.blobKey).param("now", OffsetDateTime.now()).update();
        return jobs.submit(new AnalysisRequest(slideId, slide.blobKey, null));
    }
}
