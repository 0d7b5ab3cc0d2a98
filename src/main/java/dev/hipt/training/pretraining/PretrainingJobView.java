package dev.hipt.training.pretraining;

import dev.hipt.job.JobStatus;
import dev.hipt.job.JobView;
import io.swagger.v3.oas.annotations.media.Schema;

import java.time.Instant;
import java.util.List;
import java.util.UUID;

/** A pretraining job as the API shows it. */
@Schema(description = "A DINO pretraining job: status as analysis jobs, progress in iterations, loss history, "
        + "and the registered model once it succeeded")
public record PretrainingJobView(UUID id, int stage, JobStatus status, PretrainingProgress progress,
                                 List<PretrainingLoss> lossHistory,
                                 @Schema(nullable = true, description = "Iteration of the last checkpoint stored "
                                         + "(kept when the job is cancelled); null before the first")
                                 Integer checkpointIteration,
                                 @Schema(nullable = true, description = "Where to download that checkpoint (DINO's "
                                         + "official .pth), also of a cancelled or failed job; null before the "
                                         + "first") String checkpointUrl,
                                 @Schema(nullable = true, description = "The registered teacher backbone (ViT-256 "
                                         + "for stage 1, ViT-4K for stage 2); null until the job succeeded")
                                 UUID modelId,
                                 @Schema(nullable = true, description = "Why the job failed; null unless it did")
                                 JobView.JobError error,
                                 Instant createdAt,
                                 @Schema(nullable = true, description = "null until a worker starts the job")
                                 Instant startedAt,
                                 @Schema(nullable = true, description = "null until the job ends") Instant finishedAt) {

    /**
     * How far the job is.
     *
     * @param iteration       optimizer steps done
     * @param totalIterations steps the job makes
     * @param epoch           the epoch of the next step (0-based), DINO's pass over the job's patches or regions
     * @param itersPerEpoch   steps per epoch: items / batch size; 0 until the data is known
     */
    public record PretrainingProgress(int iteration, int totalIterations, int epoch, int itersPerEpoch) {
    }

    /** The mean DINO loss of the step that reached {@code iteration}. */
    public record PretrainingLoss(int iteration, int epoch, double loss) {
    }

    static PretrainingJobView of(PretrainingJob job, List<PretrainingJobRepository.LossPoint> losses) {
        return new PretrainingJobView(job.id(), job.stage(), job.status(),
                new PretrainingProgress(job.iteration(), job.settings().iterations(), job.epoch(), job.itersPerEpoch()),
                losses.stream().map(l -> new PretrainingLoss(l.iteration(), l.epoch(), l.loss())).toList(),
                job.checkpointIteration(),
                job.checkpointIteration() == null ? null
                        : "/api/v1/admin/pretraining-jobs/" + job.id() + "/checkpoint",
                job.modelId(),
                job.errorCode() == null ? null : new JobView.JobError(job.errorCode(), job.errorDetail()),
                job.createdAt(), job.startedAt(), job.finishedAt());
    }
}
