package dev.hipt.training.pretraining;

import dev.hipt.training.dino.MultiCropSample;
import dev.hipt.job.EngineQueue;
import dev.hipt.job.EngineTask;
import dev.hipt.job.JobStatus;
import dev.hipt.job.ModelProperties;
import dev.hipt.model.CheckpointReader;
import dev.hipt.model.ModelOptions;
import dev.hipt.model.StateDict;
import dev.hipt.results.AnalysedSlideVectors;
import dev.hipt.storage.BlobStore;
import dev.hipt.system.ApiException;
import dev.hipt.training.ModelKind;
import dev.hipt.training.ModelRegistration;
import dev.hipt.training.ModelRegistry;
import dev.hipt.training.RegisteredModel;
import dev.hipt.wsi.SlideException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.stream.Stream;

/**
 * Runs pretraining jobs on the analysis engine ({@value #NAME} task). An attempt opens the job's data, resumes the
 * trainer from the job's last checkpoint in the blob store (or starts it), and steps to the job's iteration count,
 * recording every loss; it writes a checkpoint every {@code checkpointEvery} iterations and whenever it stops early.
 *
 * <p>Device policy, analyses first: between two iterations, when analyses are queued, the job writes a checkpoint
 * and hands its worker thread (and so the device) back to the queue for {@code hipt.pretraining.yield-delay}; it
 * resumes from that checkpoint once no analysis waits. A cancel stops it after the current iteration, keeping a
 * checkpoint of it; a graceful shutdown hands it back the same way; after a crash (kill -9) another worker revives
 * it and it resumes from the last checkpoint stored.
 */
@Component
class PretrainingTask implements EngineTask {

    static final String NAME = "pretraining";

    private static final Logger log = LoggerFactory.getLogger(PretrainingTask.class);

    private final PretrainingJobRepository jobs;
    private final PretrainingSlides slides;
    private final BlobStore blobs;
    private final ModelRegistry registry;
    private final AnalysedSlideVectors analysed;
    private final EngineQueue queue;
    private final PretrainingProperties properties;
    private final ModelOptions options;
    private volatile boolean draining;

    PretrainingTask(PretrainingJobRepository jobs, PretrainingSlides slides, BlobStore blobs, ModelRegistry registry,
                    AnalysedSlideVectors analysed, EngineQueue queue, PretrainingProperties properties,
                    ModelProperties models) {
        this.jobs = jobs;
        this.slides = slides;
        this.blobs = blobs;
        this.registry = registry;
        this.analysed = analysed;
        this.queue = queue;
        this.properties = properties;
        this.options = new ModelOptions(models.device(), models.vit256BatchSize());
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public void drain() {
        draining = true;
    }

    static String checkpointKey(UUID jobId) {
        return "pretraining/" + jobId + "/checkpoint.pth";
    }

    static String teacherKey(UUID jobId) {
        return "pretraining/" + jobId + "/teacher.safetensors";
    }

    @Override
    public Optional<Duration> run(UUID jobId) {
        Optional<PretrainingJob> claimed = claim(jobId);
        if (claimed.isEmpty()) {
            return Optional.empty();
        }
        PretrainingJob job = claimed.get();
        if (job.status() == JobStatus.QUEUED && yieldNow()) {
            return Optional.of(properties.yieldDelay());
        }
        if (!jobs.start(job)) {
            log.info("Pretraining job {} was taken by another worker", jobId);
            return Optional.empty();
        }
        int attempt = job.attempts() + 1;
        try {
            return execute(job, attempt);
        } catch (Stop stop) {
            return stop.outcome;
        } catch (SlideException e) {
            fail(jobId, attempt, e.code().name(), e.getMessage());
        } catch (ApiException e) {
            fail(jobId, attempt, e.code(), e.getMessage());
        } catch (IllegalArgumentException e) {
            fail(jobId, attempt, dev.hipt.system.ErrorCodes.VALIDATION_FAILED, e.getMessage());
        } catch (Exception e) {
            String detail = e.getClass().getSimpleName() + (e.getMessage() == null ? "" : ": " + e.getMessage());
            if (draining || Thread.currentThread().isInterrupted()) {
                jobs.requeue(jobId, attempt, false, null, null);
                return Optional.of(Duration.ZERO);
            }
            if (attempt >= properties.maxAttempts()) {
                log.error("Pretraining job {} failed after {} attempts", jobId, attempt, e);
                fail(jobId, attempt, PretrainingErrors.PRETRAINING_FAILED,
                        "failed after " + attempt + " attempts: " + detail);
                return Optional.empty();
            }
            log.warn("Pretraining job {} attempt {} failed, retrying: {}", jobId, attempt, detail, e);
            jobs.requeue(jobId, attempt, true, "TRANSIENT_ERROR", "attempt " + attempt + " failed: " + detail);
            throw new IllegalStateException("pretraining job " + jobId + " attempt " + attempt + " failed", e);
        }
        return Optional.empty();
    }

    /** The job when it should run, after ending it if it is cancelled or out of attempts. */
    private Optional<PretrainingJob> claim(UUID jobId) {
        Optional<PretrainingJob> found = jobs.find(jobId);
        if (found.isEmpty() || found.get().status().isFinal()) {
            return Optional.empty();
        }
        PretrainingJob job = found.get();
        if (job.cancelRequested()) {
            jobs.finishIdle(job, JobStatus.CANCELLED, null, null);
            return Optional.empty();
        }
        if (job.attempts() >= properties.maxAttempts()) {
            jobs.finishIdle(job, JobStatus.FAILED, PretrainingErrors.PRETRAINING_FAILED, "gave up after "
                    + job.attempts() + " attempts (hipt.pretraining.max-attempts); last error: " + job.errorDetail());
            return Optional.empty();
        }
        if (job.status() == JobStatus.RUNNING) {
            log.warn("Pretraining job {} was left running by a dead worker: resuming it from its last checkpoint",
                    jobId);
        }
        return found;
    }

    private boolean yieldNow() {
        return properties.yieldToAnalyses() && queue.analysesWaiting();
    }

    private Optional<Duration> execute(PretrainingJob job, int attempt) throws IOException {
        UUID id = job.id();
        PretrainingSettings settings = job.settings();
        Path work = Files.createTempDirectory("hipt-pretraining-");
        try (TrainingData data = openData(settings, () -> checkStop(id, attempt, null, work))) {
            PatchSchedule schedule = new PatchSchedule(data.items(), settings.batchSize(), settings.seed());
            try (Trainer trainer = startTrainer(id, settings, schedule.itersPerEpoch(), data.channels(), work)) {
                if (!jobs.resumedAt(id, attempt, trainer.iteration(), trainer.epoch(), schedule.itersPerEpoch())) {
                    return Optional.empty();
                }
                if (trainer.iteration() > 0) {
                    log.info("Pretraining job {} attempt {} resumes at iteration {} of {}", id, attempt,
                            trainer.iteration(), settings.iterations());
                }
                int checkpointed = trainer.iteration();
                while (trainer.iteration() < settings.iterations()) {
                    checkStop(id, attempt, trainer.iteration() > checkpointed ? trainer : null, work);
                    List<MultiCropSample> batch = batch(data, schedule, trainer.iteration(), settings.batchSize());
                    float loss;
                    try {
                        loss = trainer.step(batch);
                    } catch (IllegalStateException e) {
                        // the core refuses a step whose loss is not finite, updating nothing
                        fail(id, attempt, PretrainingErrors.PRETRAINING_DIVERGED, "iteration "
                                + (trainer.iteration() + 1) + ": " + e.getMessage() + "; lower the learning rate");
                        return Optional.empty();
                    }
                    if (!jobs.progress(id, attempt, trainer.iteration(), trainer.epoch(), loss)) {
                        log.info("Pretraining job {} attempt {} no longer owns the job: stopping", id, attempt);
                        return Optional.empty();
                    }
                    if (trainer.iteration() % settings.checkpointEvery() == 0
                            || trainer.iteration() == settings.iterations()) {
                        checkpoint(id, trainer, work);
                        checkpointed = trainer.iteration();
                    }
                }
                RegisteredModel model = register(job, trainer, data.summary(), work);
                if (jobs.finishRunning(id, attempt, JobStatus.SUCCEEDED, null, null, model.id())) {
                    log.info("Pretraining job {} succeeded after {} iterations: registered model {} ({})", id,
                            trainer.iteration(), model.id(), model.kind());
                }
                return Optional.empty();
            }
        } finally {
            deleteTree(work);
        }
    }

    private TrainingData openData(PretrainingSettings settings, Runnable betweenReads) throws IOException {
        List<PretrainingSlides.StoredSlide> found = new ArrayList<>(slides.find(settings.slideIds()));
        if (found.size() != settings.slideIds().size()) {
            throw new ApiException(org.springframework.http.HttpStatus.UNPROCESSABLE_CONTENT,
                    PretrainingErrors.UNKNOWN_SLIDES, "slides of the job were deleted before it ran");
        }
        Map<UUID, Integer> order = new LinkedHashMap<>();
        for (int i = 0; i < settings.slideIds().size(); i++) {
            order.put(settings.slideIds().get(i), i);
        }
        found.sort(Comparator.comparing(s -> order.get(s.id())));
        if (settings.stage() == 1) {
            return TrainingData.stage1(found, blobs, settings, betweenReads);
        }
        RegisteredModel vit256 = registry.find(settings.vit256ModelId()).orElseThrow(() -> new ApiException(
                org.springframework.http.HttpStatus.UNPROCESSABLE_CONTENT, PretrainingErrors.UNKNOWN_MODEL,
                "the job's ViT-256 " + settings.vit256ModelId() + " is no longer registered"));
        StateDict weights = CheckpointReader.read(registry.checkpointFile(vit256.id()));
        TrainingData data = TrainingData.stage2(found, blobs, settings, weights,
                slide -> analysed.cls256MadeBy(slide, vit256.sha256()), options, betweenReads);
        log.info("Pretraining stage 2 on the token grids of ViT-256 {}: {}", vit256.id(), data.summary());
        return data;
    }

    private Trainer startTrainer(UUID id, PretrainingSettings settings, int itersPerEpoch, int channels, Path work)
            throws IOException {
        String key = checkpointKey(id);
        if (blobs.exists(key)) {
            Path local = work.resolve("resume.pth");
            try (InputStream in = blobs.open(key)) {
                Files.copy(in, local, StandardCopyOption.REPLACE_EXISTING);
            }
            return DinoSetup.resume(local, options);
        }
        return DinoSetup.create(settings, itersPerEpoch, channels, options);
    }

    private static List<MultiCropSample> batch(TrainingData data, PatchSchedule schedule, int iteration, int size)
            throws IOException {
        int[] items = schedule.batch(iteration);
        List<MultiCropSample> batch = new ArrayList<>(size);
        for (int slot = 0; slot < items.length; slot++) {
            batch.add(data.sample(items[slot], schedule.sampleRandom(iteration, slot)));
        }
        return batch;
    }

    /**
     * Stops the attempt when the job is cancelled, this process shuts down, or analyses wait: with a checkpoint of
     * {@code trainer} first when it has steps that none holds yet.
     */
    private void checkStop(UUID id, int attempt, Trainer trainer, Path work) {
        boolean cancelled = jobs.cancelRequested(id);
        boolean stopping = draining || Thread.currentThread().isInterrupted();
        boolean yielding = !cancelled && !stopping && yieldNow();
        if (!cancelled && !stopping && !yielding) {
            return;
        }
        if (trainer != null) {
            checkpoint(id, trainer, work);
        }
        if (cancelled) {
            jobs.finishRunning(id, attempt, JobStatus.CANCELLED, null, null, null);
            log.info("Pretraining job {} cancelled; its last checkpoint is kept", id);
            throw new Stop(Optional.empty());
        }
        jobs.requeue(id, attempt, false, null, null);
        if (stopping) {
            log.info("Pretraining job {} handed back to the queue on shutdown", id);
            throw new Stop(Optional.of(Duration.ZERO));
        }
        log.info("Pretraining job {} yields the worker to queued analyses for {}", id, properties.yieldDelay());
        throw new Stop(Optional.of(properties.yieldDelay()));
    }

    /** Writes both forms locally, then into the blob store: the .pth last, as a resume reads only it. */
    private void checkpoint(UUID id, Trainer trainer, Path work) {
        try {
            Path pth = work.resolve("checkpoint.pth");
            Path teacher = work.resolve("teacher.safetensors");
            trainer.writeCheckpoint(pth, teacher);
            blobs.putFile(teacherKey(id), teacher);
            blobs.putFile(checkpointKey(id), pth);
            jobs.checkpointed(id, trainer.iteration());
        } catch (IOException e) {
            throw new java.io.UncheckedIOException("cannot store the checkpoint of pretraining job " + id, e);
        }
    }

    private RegisteredModel register(PretrainingJob job, Trainer trainer, Map<String, Object> data, Path work)
            throws IOException {
        Path pth = work.resolve("final.pth");
        try (InputStream in = blobs.open(checkpointKey(job.id()))) {
            Files.copy(in, pth, StandardCopyOption.REPLACE_EXISTING);
        }
        ModelKind kind = job.stage() == 1 ? ModelKind.VIT256 : ModelKind.VIT4K;
        Map<String, Object> metrics = new LinkedHashMap<>();
        metrics.put("stage", job.stage());
        metrics.put("iterations", trainer.iteration());
        metrics.put("epochs", trainer.epoch());
        if (job.settings().vit256ModelId() != null) {
            metrics.put("vit256ModelId", job.settings().vit256ModelId().toString());
        }
        metrics.putAll(data);
        List<PretrainingJobRepository.LossPoint> losses = jobs.losses(job.id());
        if (!losses.isEmpty()) {
            metrics.put("firstLoss", losses.get(0).loss());
            metrics.put("finalLoss", losses.get(losses.size() - 1).loss());
        }
        String name = "dino-" + (job.stage() == 1 ? "vit256" : "vit4k") + "-" + job.id().toString().substring(0, 8);
        return registry.register(kind, pth, new ModelRegistration(name, "pretraining-job:" + job.id(), List.of(),
                List.of(), metrics));
    }

    private void fail(UUID id, int attempt, String code, String detail) {
        log.info("Pretraining job {} failed: {} {}", id, code, detail);
        jobs.finishRunning(id, attempt, JobStatus.FAILED, code, detail, null);
    }

    private static void deleteTree(Path dir) {
        try (Stream<Path> paths = Files.walk(dir)) {
            paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            log.debug("cannot remove {}: {}", dir, e.toString());
        }
    }

    /** Ends an attempt early with what {@link #run} returns. */
    private static final class Stop extends RuntimeException {

        private final Optional<Duration> outcome;

        Stop(Optional<Duration> outcome) {
            super(null, null, false, false);
            this.outcome = outcome;
        }
    }
}
