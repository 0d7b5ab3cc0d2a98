package dev.hipt.job;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.hipt.HiptApplication;
import java.nio.file.Path;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.jdbc.core.simple.JdbcClient;

/**
 * Graceful shutdown with an analysis running: its models stay open until the scheduler has let it end. Runs its
 * own application, since the test closes it.
 */
@ExtendWith(OutputCaptureExtension.class)
class JobShutdownIntegrationTests {

    private static final Duration WAIT = Duration.ofSeconds(30);

    @TempDir
    Path data;

    @Test
    void keepsTheModelsOpenWhileTheStoppingSchedulerWaitsForARunningJob(CapturedOutput output) {
        try (ConfigurableApplicationContext context = new SpringApplicationBuilder(HiptApplication.class,
                JobTestDoubles.class)
                .properties("server.port=0", "hipt.storage.root=" + data, "hipt.job.workers-per-device=1",
                        "hipt.job.polling-interval=100ms", "hipt.job.shutdown-max-wait=20s")
                .run()) {
            stopsSchedulerBeforeModels(context, output);
        }
    }

    private static void stopsSchedulerBeforeModels(ConfigurableApplicationContext context, CapturedOutput output) {
        FakeSlides slides = context.getBean(FakeSlides.class);
        FakeInference inference = context.getBean(FakeInference.class);
        CheckpointModelProvider models = context.getBean(CheckpointModelProvider.class);
        FakeSlides.Slide slide = slides.add(4);
        FakeInference.Gate gate = inference.hold(slide.tag, 0);
        submit(context, slide);
        await().atMost(WAIT).until(gate::reached);
        assertThat(models.isRunning()).isTrue();

        CompletableFuture<Void> closing = CompletableFuture.runAsync(context::close);
        try {
            await().atMost(WAIT).until(() -> output.getAll().contains("Stopping the analysis job scheduler"));

            assertThat(models.isRunning()).as("models released under a job that is still encoding").isTrue();
        } finally {
            gate.open();
            closing.join();
        }
        assertThat(models.isRunning()).isFalse();
    }

    private static void submit(ConfigurableApplicationContext context, FakeSlides.Slide slide) {
        JdbcClient jdbc = context.getBean(JdbcClient.class);
        UUID slideId = UUID.randomUUID();
        jdbc.sql("""
                        insert into slides (id, filename, sha256, size_bytes, blob_key, file_format, width, height,
                            mpp_source, created_at, updated_at)
                        values (:id, 'test.svs', :sha, 1, :blob, 'aperio', 4096, 4096, 'FILE', :now, :now)""")
                .param("id", slideId).param("sha", slideId.toString().replace("-", "") + "0".repeat(32))
                .param("blob", slide.blobKey).param("now", OffsetDateTime.now()).update();
        context.getBean(AnalysisJobs.class).submit(new AnalysisRequest(slideId, slide.blobKey, null));
    }
}
