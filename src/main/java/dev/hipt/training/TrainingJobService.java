package dev.hipt.training;

import dev.hipt.job.EngineQueue;
import dev.hipt.system.ApiException;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.http.HttpStatus;
import org.springframework.stereotype.Service;
import org.springframework.transaction.annotation.Transactional;

/** Queues head training jobs after checking that their label set can train the task at all. */
@Service
class TrainingJobService {

    private static final Logger log = LoggerFactory.getLogger(TrainingJobService.class);

    private final TrainingJobRepository jobs;
    private final LabelSetService labelSets;
    private final EngineQueue queue;
    private final RegistryBackbone backbones;

    TrainingJobService(TrainingJobRepository jobs, LabelSetService labelSets, EngineQueue queue,
                       RegistryBackbone backbones) {
        this.jobs = jobs;
        this.labelSets = labelSets;
        this.queue = queue;
        this.backbones = backbones;
    }

    @Transactional
    TrainingJobView submit(TrainingJobRequest request) {
        if (request.task() == null || request.labelSetId() == null) {
            throw ApiException.validationFailed("task ('subtype' or 'survival') and labelSetId are required");
        }
        TrainingOptions options;
        try {
            options = request.options();
        } catch (IllegalArgumentException e) {
            throw ApiException.validationFailed(e.getMessage());
        }
        LabelSet set = labelSets.find(request.labelSetId());
        check(request.task(), set, options);
        checkBackbone(set);
        UUID id = UUID.randomUUID();
        jobs.insert(id, request.task(), set.id(), options);
        queue.schedule(HeadTrainingTask.NAME, id);
        log.info("Queued {} head training job {} on label set {}", request.task().json(), id, set.id());
        return jobs.find(id).orElseThrow();
    }

    TrainingJobView find(UUID id) {
        return jobs.find(id).orElseThrow(() -> ApiException.notFound("training job", id));
    }

    /** A queued job ends CANCELLED at once; a running one at its next slide; an ended one is returned as is. */
    TrainingJobView cancel(UUID id) {
        TrainingJobView job = find(id);
        if (jobs.requestCancel(id) && job.status() == dev.hipt.job.JobStatus.QUEUED) {
            jobs.finish(id, dev.hipt.job.JobStatus.CANCELLED, null, null);
        }
        return find(id);
    }

    /**
     * 422 {@value TrainingFailure#NOT_ON_BACKBONE} when labelled slides are not analysed with the active backbone.
     * Without an active backbone the job is queued and ends FAILED with MODEL_NOT_CONFIGURED, as before.
     */
    private void checkBackbone(LabelSet set) {
        if (backbones.active().isEmpty()) {
            return;
        }
        try {
            backbones.requireAnalysed(set.rows().stream().map(LabelSet.LabelRow::slideId).toList());
        } catch (TrainingFailure f) {
            throw failure(f);
        }
    }

    /** The 422s a job would otherwise fail with at once: a task the set has no labels for, one class, too few. */
    private static void check(HeadTask task, LabelSet set, TrainingOptions options) {
        if (!set.tasks().contains(task)) {
            throw new ApiException(HttpStatus.UNPROCESSABLE_CONTENT, LabelSetService.LABEL_SET_INVALID,
                    "label set " + set.id() + " has no " + task.json() + " labels");
        }
        if (task == HeadTask.SUBTYPE) {
            Map<String, Long> perClass = set.rows().stream().collect(Collectors.groupingBy(LabelSet.LabelRow::subtype,
                    TreeMap::new, Collectors.counting()));
            if (perClass.size() < 2) {
                throw failure(new TrainingFailure(TrainingFailure.SINGLE_CLASS, "label set " + set.id()
                        + " has one class only (" + perClass.keySet() + "); a subtype head needs at least 2"));
            }
            perClass.forEach((cls, n) -> {
                if (n < 2) {
                    throw failure(new TrainingFailure(TrainingFailure.TOO_FEW_SLIDES, "class '" + cls + "' has " + n
                            + " slide; the validation split needs at least 2 per class"));
                }
            });
            return;
        }
        double[] months = set.rows().stream().mapToDouble(LabelSet.LabelRow::months).toArray();
        boolean[] censored = new boolean[months.length];
        for (int i = 0; i < months.length; i++) {
            censored[i] = !set.rows().get(i).event();
        }
        try {
            SurvivalBins.fromTimes(months, censored);
        } catch (TrainingFailure f) {
            throw failure(f);
        }
        long events = set.rows().stream().filter(LabelSet.LabelRow::event).count();
        if (months.length < 4 || events < 2) {
            throw failure(new TrainingFailure(TrainingFailure.TOO_FEW_SLIDES, "a survival head needs at least 4"
                    + " slides, 2 of them with an observed event; the label set has " + months.length + " and "
                    + events));
        }
        Function<Boolean, Long> count = c -> set.rows().stream().filter(r -> r.event() == c).count();
        if (count.apply(false) == 1) {
            throw failure(new TrainingFailure(TrainingFailure.TOO_FEW_SLIDES, "the label set has 1 censored slide;"
                    + " the split stratifies by censoring and needs 0 or at least 2"));
        }
    }

    private static ApiException failure(TrainingFailure f) {
        return new ApiException(HttpStatus.UNPROCESSABLE_CONTENT, f.code(), f.getMessage());
    }
}
