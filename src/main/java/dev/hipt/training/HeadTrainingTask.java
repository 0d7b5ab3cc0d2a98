package dev.hipt.training;

import dev.hipt.job.EngineTask;
import dev.hipt.job.JobStatus;
import dev.hipt.model.CheckpointReader;
import dev.hipt.model.StateDict;
import dev.hipt.model.TorchCheckpointWriter;
import dev.hipt.results.AnalysedSlideVectors;
import dev.hipt.storage.TemporaryFiles;
import dev.hipt.system.ApiException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;

/**
 * The {@value #NAME} task on the analysis engine: trains a head on a label set's slides from the cls256 grids the
 * active backbone stored for them (every labelled slide must have been analysed with it), the head's
 * {@code local_vit} starting from the active ViT-4K, and registers the result as a SUBTYPE_HEAD or SURVIVAL_HEAD. A job that cannot train ends FAILED with a code; it never retries on its own.
 */
@Component
class HeadTrainingTask implements EngineTask {

    static final String NAME = "head-training";
    private static final Logger log = LoggerFactory.getLogger(HeadTrainingTask.class);

    private final TrainingJobRepository jobs;
    private final LabelSetService labelSets;
    private final AnalysedSlideVectors analysed;
    private final ModelRegistry registry;
    private final RegistryBackbone backbones;
    private final TemporaryFiles temporaryFiles;
    private volatile boolean draining;

    HeadTrainingTask(TrainingJobRepository jobs, LabelSetService labelSets, AnalysedSlideVectors analysed,
                     ModelRegistry registry, RegistryBackbone backbones, TemporaryFiles temporaryFiles) {
        this.jobs = jobs;
        this.labelSets = labelSets;
        this.analysed = analysed;
        this.registry = registry;
        this.backbones = backbones;
        this.temporaryFiles = temporaryFiles;
    }

    /** Training is stopped between slides and restarted by the next process. */
    private static final class HandedBack extends RuntimeException {
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public void drain() {
        draining = true;
    }

    @Override
    public Optional<Duration> run(UUID jobId) {
        Optional<TrainingJobView> found = jobs.find(jobId);
        if (found.isEmpty() || found.get().status().isFinal()) {
            return Optional.empty();
        }
        if (!jobs.start(jobId)) {
            jobs.finish(jobId, JobStatus.CANCELLED, null, null);
            return Optional.empty();
        }
        TrainingJobView job = found.get();
        try {
            train(job);
        } catch (HandedBack e) {
            jobs.requeue(jobId);
            log.info("Head training job {} handed back to the queue: this process shuts down", jobId);
            return Optional.of(Duration.ofSeconds(1));
        } catch (HeadTrainer.Cancelled e) {
            jobs.finish(jobId, JobStatus.CANCELLED, null, null);
            log.info("Head training job {} cancelled", jobId);
        } catch (TrainingFailure e) {
            jobs.finish(jobId, JobStatus.FAILED, e.code(), e.getMessage());
            log.info("Head training job {} failed: {} {}", jobId, e.code(), e.getMessage());
        } catch (ApiException e) {
            jobs.finish(jobId, JobStatus.FAILED, e.code(), e.getMessage());
            log.warn("Head training job {} failed: {} {}", jobId, e.code(), e.getMessage());
        } catch (RuntimeException e) {
            log.error("Head training job {} failed", jobId, e);
            jobs.finish(jobId, JobStatus.FAILED, TrainingFailure.TRAINING_FAILED, e.toString());
        }
        return Optional.empty();
    }

    private void train(TrainingJobView job) {
        LabelSet set = labelSets.find(job.labelSetId());
        RegistryBackbone.Backbone backbone = backbones.requireAnalysed(set.rows().stream()
                .map(LabelSet.LabelRow::slideId).toList());
        RegisteredModel vit4k = backbone.vit4k();
        StateDict vit4kWeights = CheckpointReader.read(registry.checkpointFile(vit4k.id()));
        List<TrainingSample> samples = samples(job.task(), set, backbone.modelVersion());
        List<TrainingJobView.Epoch> history = new ArrayList<>();
        long[] lastCheck = {0};
        HeadTrainer.TrainedHead head = HeadTrainer.train(job.task(), samples, set.classes(), vit4kWeights,
                job.options(), epoch -> {
                    history.add(new TrainingJobView.Epoch(epoch.epoch(), epoch.trainLoss(), epoch.validationLoss(),
                            epoch.metrics()));
                    jobs.progress(job.id(), epoch.epoch(), history);
                }, () -> {
                    if (draining) {
                        throw new HandedBack();
                    }
                    long now = System.nanoTime();
                    if (now - lastCheck[0] < 500_000_000L) {
                        return false;
                    }
                    lastCheck[0] = now;
                    return jobs.cancelRequested(job.id());
                });
        Map<String, Object> metrics = new LinkedHashMap<>();
        head.metrics().forEach((k, v) -> {
            if (v != null) {
                metrics.put(k, v);
            }
        });
        // what reproduces this head: the same options (the seed among them) on the same grids and ViT-4K
        metrics.put("seed", job.options().seed());
        metrics.put("trainingThreads", HeadTrainer.TRAINING_THREADS);
        metrics.put("vit4kModelId", vit4k.id().toString());
        metrics.put("vit256ModelId", backbone.vit256().id().toString());
        metrics.put("modelVersion", backbone.modelVersion());
        RegisteredModel model = register(job, set, head, metrics);
        jobs.succeed(job.id(), head.metrics(), model.id());
        log.info("Head training job {} succeeded: model {} ({})", job.id(), model.id(), head.metrics());
    }

    private RegisteredModel register(TrainingJobView job, LabelSet set, HeadTrainer.TrainedHead head,
                                     Map<String, Object> metrics) {
        Path file;
        try {
            file = temporaryFiles.create("head", ".pth");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        try {
            TorchCheckpointWriter.write(file, head.weights());
            boolean subtype = job.task() == HeadTask.SUBTYPE;
            List<Double> bins = new ArrayList<>(head.timeBins());
            if (!bins.isEmpty()) {
                bins.set(0, Math.max(0, bins.get(0)));
            }
            return registry.register(subtype ? ModelKind.SUBTYPE_HEAD : ModelKind.SURVIVAL_HEAD, file,
                    new ModelRegistration(job.task().json() + "-head-" + job.id().toString().substring(0, 8),
                            "training-job:" + job.id(), subtype ? set.classes() : List.of(), bins, metrics));
        } finally {
            try {
                Files.deleteIfExists(file);
            } catch (IOException ignored) {
                // a temporary file
            }
        }
    }

    /** Each labelled slide's cls256 grids of the backbone {@code modelVersion}, with its label. */
    private List<TrainingSample> samples(HeadTask task, LabelSet set, String modelVersion) {
        List<TrainingSample> out = new ArrayList<>();
        for (LabelSet.LabelRow row : set.rows()) {
            List<float[]> grids = analysed.cls256(row.slideId(), modelVersion);
            if (grids.isEmpty() || grids.stream().anyMatch(g -> g == null || g.length != grids.get(0).length)) {
                throw new TrainingFailure(TrainingFailure.SLIDE_NOT_ANALYSED, "slide " + row.slideId()
                        + " has no complete stored cls256 grids");
            }
            float[] x256 = new float[grids.size() * grids.get(0).length];
            for (int i = 0; i < grids.size(); i++) {
                System.arraycopy(grids.get(i), 0, x256, i * grids.get(0).length, grids.get(0).length);
            }
            int label = task == HeadTask.SUBTYPE ? set.classes().indexOf(row.subtype()) : 0;
            out.add(task == HeadTask.SUBTYPE
                    ? new TrainingSample(row.slideId(), grids.size(), x256, label, 0, false)
                    : new TrainingSample(row.slideId(), grids.size(), x256, 0, row.months(), !row.event()));
        }
        return out;
    }
}
