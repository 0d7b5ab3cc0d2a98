package dev.hipt.job;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.get;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.post;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.content;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.jsonPath;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.status;

import com.github.kagkarlsson.scheduler.Scheduler;
import com.github.kagkarlsson.scheduler.SchedulerClient;
import com.github.kagkarlsson.scheduler.SchedulerName;
import dev.hipt.results.SlideResult;
import dev.hipt.wsi.SlideErrorCode;
import dev.hipt.wsi.SlideException;
import io.micrometer.core.instrument.MeterRegistry;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.boot.webmvc.test.autoconfigure.AutoConfigureMockMvc;
import org.springframework.context.annotation.Import;
import org.springframework.http.MediaType;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.test.annotation.DirtiesContext;
import org.springframework.test.web.servlet.MockMvc;

/**
 * The job engine with the real db-scheduler and Flyway migrations; slide reading, the model and result storage are
 * test stand-ins. Heartbeats are short so dead workers are detected within seconds. Run on H2
 * ({@link AnalysisJobIntegrationTests}) and on PostgreSQL ({@link AnalysisJobPostgresIntegrationTests}).
 */
@SpringBootTest(properties = {
        "hipt.job.workers-per-device=1",
        "hipt.job.heartbeat=300ms",
        "hipt.job.missed-heartbeats=10",
        "hipt.job.polling-interval=100ms",
        "hipt.job.retry-backoff=100ms",
        "hipt.job.max-attempts=3",
        "hipt.job.max-queued=3",
        "hipt.job.shutdown-max-wait=200ms",
        "hipt.job.read-ahead=2",
        "hipt.job.batch-regions=2"})
@AutoConfigureMockMvc(addFilters = false)
@Import(JobTestDoubles.class)
@ExtendWith(OutputCaptureExtension.class)
abstract class AnalysisJobScenarios {

    private static final Duration WAIT = Duration.ofSeconds(30);

    @Autowired
    AnalysisJobs jobs;
    @Autowired
    FakeSlides slides;
    @Autowired
    FakeInference inference;
    @Autowired
    FakeModels models;
    @Autowired
    InMemoryRegionResults results;
    @Autowired
    JdbcClient jdbc;
    @Autowired
    SchedulerClient queue;
    @Autowired
    JobScheduling.JobSchedulerFactory schedulers;
    @Autowired
    MeterRegistry meters;
    @Autowired
    MockMvc mvc;

    private final List<UUID> submitted = new ArrayList<>();

    @AfterEach
    void cleanUp() {
        inference.openAllGates();
        models.configured(true);
        models.loadFailure(null);
        submitted.forEach(jobs::cancel);
        await().atMost(WAIT).until(() -> submitted.stream().allMatch(id -> job(id).status().isFinal()));
    }

    @Test
    void jobRunsToSucceededWithProgressInRegionsAndSlideResult(CapturedOutput output) throws Exception {
        double regionsBefore = meters.counter("hipt.regions.processed").count();
        FakeSlides.Slide slide = slides.add(5);

        JobView queued = submit(slide);
        assertThat(queued.status()).isEqualTo(JobStatus.QUEUED);
        assertThat(queued.progress()).isEqualTo(new JobView.Progress(0, 0));

        JobView done = awaitFinal(queued.id());
        assertThat(done.status()).isEqualTo(JobStatus.SUCCEEDED);
        assertThat(done.progress()).isEqualTo(new JobView.Progress(5, 5, 5, 5, 0L));
        assertThat(done.error()).isNull();
        assertThat(done.startedAt()).isNotNull();
        assertThat(done.finishedAt()).isAfterOrEqualTo(done.startedAt());
        assertThat(results.storeCounts(done.slideId())).isEqualTo(onceEach(5));
        SlideResult slideResult = results.slideResult(done.slideId());
        assertThat(slideResult.regions()).isEqualTo(5);
        assertThat(slideResult.meanCls4k()).hasSize(192).containsOnly(2.0f); // mean of region indices 0..4
        assertThat(slideResult.subtype()).isNull();
        assertThat(meters.counter("hipt.regions.processed").count() - regionsBefore).isEqualTo(5.0);
        assertThat(meters.timer("hipt.inference.latency").count()).isPositive();
        await().atMost(WAIT).untilAsserted(() -> assertThat(meters.get("hipt.jobs").tag("status", "SUCCEEDED")
                .gauge().value()).isGreaterThanOrEqualTo(1));
        assertThat(meters.get("hipt.jobs.queued").gauge().value()).isNotNaN();
        assertThat(meters.find("hipt.job.duration").tag("outcome", "SUCCEEDED").timer())
                .as("hipt.job.duration{outcome=SUCCEEDED}").isNotNull()
                .satisfies(timer -> assertThat(timer.count()).isPositive());
        // One line when the job ends: its id, outcome and duration, never the slide's file name.
        await().atMost(WAIT).until(() -> output.getAll().lines().anyMatch(line -> line.contains(done.id().toString())
                && line.contains("finished SUCCEEDED") && line.contains("after running PT")));
        assertThat(output.getAll()).doesNotContain("test.svs");

        mvc.perform(get("/api/v1/jobs/{id}", done.id()))
                .andExpect(status().isOk())
                .andExpect(jsonPath("$.status").value("SUCCEEDED"))
                .andExpect(jsonPath("$.progress.done").value(5))
                .andExpect(jsonPath("$.progress.total").value(5))
                .andExpect(jsonPath("$.progress.patchesDone").value(5))
                .andExpect(jsonPath("$.progress.patchesTotal").value(5))
                .andExpect(jsonPath("$.progress.estimatedSecondsLeft").value(0));
    }

    @Test
    void runningJobShowsPatchProgressAndAnEstimateOfTheTimeLeft() throws Exception {
        FakeSlides.Slide slide = slides.add(6);
        // Batches of 2 regions: regions 0-3 are stored, the batch of 4 and 5 waits in the encoder.
        FakeInference.Gate gate = inference.hold(slide.tag, 4);
        JobView queued = submit(slide);
        assertThat(queued.progress()).isEqualTo(new JobView.Progress(0, 0, 0, 0, null));
        await().atMost(WAIT).until(gate::reached);
        await().atMost(WAIT).until(() -> job(queued.id()).progress().done() == 4);

        mvc.perform(get("/api/v1/jobs/{id}", queued.id()))
                .andExpect(status().isOk())
                .andExpect(jsonPath("$.status").value("RUNNING"))
                .andExpect(jsonPath("$.progress.done").value(4))
                .andExpect(jsonPath("$.progress.total").value(6))
                .andExpect(jsonPath("$.progress.patchesDone").value(4))
                .andExpect(jsonPath("$.progress.patchesTotal").value(6))
                .andExpect(jsonPath("$.progress.estimatedSecondsLeft").isNumber());
        gate.open();
        assertThat(awaitFinal(queued.id()).progress().estimatedSecondsLeft()).isZero();
    }

    @Test
    void unknownJobIsProblem404WithCode() throws Exception {
        UUID unknown = UUID.randomUUID();
        mvc.perform(get("/api/v1/jobs/{id}", unknown))
                .andExpect(status().isNotFound())
                .andExpect(content().contentTypeCompatibleWith(MediaType.APPLICATION_PROBLEM_JSON))
                .andExpect(jsonPath("$.code").value("NOT_FOUND"));
        mvc.perform(post("/api/v1/jobs/{id}/cancel", unknown))
                .andExpect(status().isNotFound())
                .andExpect(jsonPath("$.code").value("NOT_FOUND"));
    }

    @Test
    void cancellingQueuedJobEndsItAtOnceAndItNeverRuns() throws Exception {
        FakeSlides.Slide busy = slides.add(2);
        FakeInference.Gate gate = inference.hold(busy.tag, 0);
        JobView running = submit(busy);
        await().atMost(WAIT).until(gate::reached);

        FakeSlides.Slide waiting = slides.add(2);
        JobView queued = submit(waiting);
        mvc.perform(post("/api/v1/jobs/{id}/cancel", queued.id()))
                .andExpect(status().isOk())
                .andExpect(jsonPath("$.status").value("CANCELLED"));
        assertThat(executions(queued.id())).isZero();

        gate.open();
        assertThat(awaitFinal(running.id()).status()).isEqualTo(JobStatus.SUCCEEDED);
        assertThat(job(queued.id()).status()).isEqualTo(JobStatus.CANCELLED);
        assertThat(waiting.opens).hasValue(0);
        assertThat(inference.encodedRegions(waiting.tag)).isEmpty();
    }

    @Test
    void cancellingRunningJobStopsItAtTheNextRegion() {
        FakeSlides.Slide slide = slides.add(8);
        FakeInference.Gate gate = inference.hold(slide.tag, 2);
        JobView job = submit(slide);
        await().atMost(WAIT).until(gate::reached);

        JobView afterCancel = jobs.cancel(job.id()).orElseThrow();
        assertThat(afterCancel.status()).isEqualTo(JobStatus.RUNNING);
        gate.open();

        JobView cancelled = awaitFinal(job.id());
        assertThat(cancelled.status()).isEqualTo(JobStatus.CANCELLED);
        assertThat(cancelled.finishedAt()).isNotNull();
        assertThat(inference.encodedRegions(slide.tag)).hasSizeLessThan(8);
        assertThat(results.slideResult(job.slideId())).isNull();
        assertThat(executions(job.id())).isZero();
    }

    @Test
    void badSlideFailsOnceWithItsCodeAndIsNotRetried() {
        FakeSlides.Slide corrupt = slides.add(3)
                .alwaysFailOpen(new SlideException(SlideErrorCode.CORRUPT_SLIDE, "tile 7 cannot be decoded"));
        JobView failed = awaitFinal(submit(corrupt).id());

        assertThat(failed.status()).isEqualTo(JobStatus.FAILED);
        assertThat(failed.error()).isEqualTo(new JobView.JobError("CORRUPT_SLIDE", "tile 7 cannot be decoded"));
        assertThat(attempts(failed.id())).isEqualTo(1);
        assertThat(executions(failed.id())).isZero();
        assertThat(corrupt.opens).hasValue(1);
    }

    @Test
    void slideErrorWhileReadingARegionFailsTheJobWithItsCode() {
        FakeSlides.Slide slide = slides.add(4)
                .failRead(2, new SlideException(SlideErrorCode.CORRUPT_SLIDE, "region 2 unreadable"));
        JobView failed = awaitFinal(submit(slide).id());

        assertThat(failed.status()).isEqualTo(JobStatus.FAILED);
        assertThat(failed.error().code()).isEqualTo("CORRUPT_SLIDE");
        assertThat(attempts(failed.id())).isEqualTo(1);
    }

    @Test
    void slideWithoutTissueFailsWithNoTissue() {
        FakeSlides.Slide empty = slides.add(0)
                .alwaysFailOpen(new SlideException(SlideErrorCode.NO_TISSUE, "no tissue found"));
        JobView failed = awaitFinal(submit(empty).id());

        assertThat(failed.error().code()).isEqualTo("NO_TISSUE");
        assertThat(attempts(failed.id())).isEqualTo(1);
    }

    @Test
    void transientErrorIsRetriedWithBackoffThenSucceeds() {
        FakeSlides.Slide flaky = slides.add(3)
                .failOpen(new IOException("blob store timed out"), new IOException("blob store timed out"));
        JobView done = awaitFinal(submit(flaky).id());

        assertThat(done.status()).isEqualTo(JobStatus.SUCCEEDED);
        assertThat(done.error()).isNull();
        assertThat(attempts(done.id())).isEqualTo(3);
        assertThat(flaky.opens).hasValue(3);
        assertThat(results.storeCounts(done.slideId())).isEqualTo(onceEach(3));
    }

    @Test
    void transientErrorThatPersistsFailsAfterMaxAttempts() {
        FakeSlides.Slide broken = slides.add(3).alwaysFailOpen(new IOException("blob store unreachable"));
        JobView failed = awaitFinal(submit(broken).id());

        assertThat(failed.status()).isEqualTo(JobStatus.FAILED);
        assertThat(failed.error().code()).isEqualTo(AnalysisWorker.ANALYSIS_FAILED);
        assertThat(failed.error().detail()).contains("3 attempts", "blob store unreachable");
        assertThat(broken.opens).hasValue(3);
        // The job row says FAILED before the scheduler removes its execution row (it does so after the handler
        // returns): one CI run on 2026-12-02 read it in between.
        await("the failed job's execution removed").atMost(Duration.ofSeconds(10))
                .untilAsserted(() -> assertThat(executions(failed.id())).isZero());
    }

    @Test
    void submitIsRefusedWhenMaxQueuedJobsWait() {
        FakeSlides.Slide busy = slides.add(1);
        FakeInference.Gate gate = inference.hold(busy.tag, 0);
        submit(busy);
        await().atMost(WAIT).until(gate::reached);
        IntStream.range(0, 3).forEach(i -> submit(slides.add(1)));

        assertThatThrownBy(() -> submit(slides.add(1)))
                .isInstanceOfSatisfying(QueueFullException.class,
                        e -> assertThat(e.retryAfter()).isPositive());
    }

    @Test
    void missingModelsFailTheJobOnceSayingHowToConfigure() {
        models.configured(false);
        FakeSlides.Slide slide = slides.add(2);
        JobView failed = awaitFinal(submit(slide).id());

        assertThat(failed.status()).isEqualTo(JobStatus.FAILED);
        assertThat(failed.error().code()).isEqualTo("MODEL_NOT_CONFIGURED");
        assertThat(failed.error().detail()).contains("hipt.model.vit256-checkpoint");
        assertThat(attempts(failed.id())).isEqualTo(1);
        assertThat(executions(failed.id())).isZero();
    }

    @Test
    void unloadableCheckpointFailsTheJobOnceWithoutRetry() {
        models.loadFailure("hipt.model.vit256-checkpoint /weights/vit256.pth: truncated or corrupt checkpoint");
        JobView failed = awaitFinal(submit(slides.add(2)).id());

        assertThat(failed.status()).isEqualTo(JobStatus.FAILED);
        assertThat(failed.error().code()).isEqualTo("MODEL_LOAD_FAILED");
        assertThat(failed.error().detail()).contains("truncated or corrupt checkpoint");
        assertThat(attempts(failed.id())).isEqualTo(1);
    }

    @Test
    @DirtiesContext
    void resumesFromStoredRegionsAfterWorkerCrash() {
        FakeSlides.Slide slide = slides.add(8);
        // Batches of 2 regions: regions 0-3 are stored, the batch of 4 and 5 hangs in the encoder.
        FakeInference.Gate gate = inference.hold(slide.tag, 4);
        JobView job = submit(slide);
        await().atMost(WAIT).until(gate::reached);
        await().atMost(WAIT).until(() -> results.storedRegions(job.slideId(), FakeModels.MODEL_VERSION).size() == 4);

        // Worker A dies mid-analysis: its scheduler stops heartbeating and its thread is interrupted in the encoder.
        ((Scheduler) queue).stop();
        assertThat(job(job.id()).status()).isEqualTo(JobStatus.RUNNING);
        assertThat(jdbc.sql("select picked from scheduled_tasks where task_instance = :id")
                .param("id", job.id().toString()).query(Boolean.class).single())
                .as("the dead worker's execution stays picked").isTrue();
        List<Integer> encodedByA = inference.encodedRegions(slide.tag);
        assertThat(encodedByA).containsExactlyInAnyOrder(0, 1, 2, 3);
        gate.open();

        // Worker B, another scheduler on the same database, finds the stale heartbeat and resumes the job.
        Scheduler workerB = schedulers.create(new SchedulerName.Fixed("worker-b"));
        workerB.start();
        try {
            JobView done = awaitFinal(job.id());
            assertThat(done.status()).isEqualTo(JobStatus.SUCCEEDED);
            assertThat(done.progress()).isEqualTo(new JobView.Progress(8, 8, 8, 8, 0L));
            assertThat(attempts(job.id())).isEqualTo(2);
            assertThat(results.storeCounts(job.slideId())).isEqualTo(onceEach(8));
            List<Integer> all = inference.encodedRegions(slide.tag);
            assertThat(all.subList(encodedByA.size(), all.size())).containsExactlyInAnyOrder(4, 5, 6, 7);
            assertThat(results.slideResult(job.slideId()).regions()).isEqualTo(8);
            assertThat(executions(job.id())).isZero();
        } finally {
            workerB.stop();
        }
    }

    private JobView submit(FakeSlides.Slide slide) {
        UUID slideId = UUID.randomUUID();
        jdbc.sql("""
                        insert into slides (id, filename, sha256, size_bytes, blob_key, file_format, width, height,
                            mpp_source, created_at, updated_at)
                        values (:id, 'test.svs', :sha, 1, :blob, 'aperio', 4096, 4096, 'FILE', :now, :now)""")
                .param("id", slideId).param("sha", slideId.toString().replace("-", "") + "0".repeat(32))
                .param("blob", slide.blobKey).param("now", java.time.OffsetDateTime.now()).update();
        JobView job = jobs.submit(new AnalysisRequest(slideId, slide.blobKey, null));
        submitted.add(job.id());
        return job;
    }

    private JobView job(UUID id) {
        return jobs.find(id).orElseThrow();
    }

    private JobView awaitFinal(UUID id) {
        return await().atMost(WAIT).until(() -> job(id), j -> j.status().isFinal());
    }

    private int attempts(UUID id) {
        return jdbc.sql("select attempts from analysis_job where id = :id").param("id", id).query(Integer.class)
                .single();
    }

    private int executions(UUID id) {
        return jdbc.sql("select count(*) from scheduled_tasks where task_instance = :id")
                .param("id", id.toString()).query(Integer.class).single();
    }

    private static Map<Integer, Integer> onceEach(int regions) {
        Map<Integer, Integer> counts = new java.util.TreeMap<>();
        IntStream.range(0, regions).forEach(i -> counts.put(i, 1));
        return counts;
    }
}
