package dev.hipt.training;

import dev.hipt.job.JobStatus;
import dev.hipt.job.JobView;
import io.swagger.v3.oas.annotations.media.Schema;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/** A head training job as the API shows it. */
public record TrainingJobView(UUID id, HeadTask task, UUID labelSetId, JobStatus status, Progress progress,
                              TrainingOptions options, List<Epoch> lossHistory,
                              @Schema(nullable = true, description = "the best epoch's validation metrics; null"
                                      + " until the job succeeds") Map<String, Object> metrics,
                              @Schema(nullable = true, description = "the registered head; null until the job"
                                      + " succeeds") UUID modelId,
                              @Schema(nullable = true, description = "why the job failed; null unless it did")
                              JobView.JobError error,
                              Instant createdAt,
                              @Schema(nullable = true) Instant startedAt,
                              @Schema(nullable = true) Instant finishedAt) {

    /** Epochs done of the most planned (early stopping may end sooner). */
    @Schema(name = "TrainingProgress")
    public record Progress(int epoch, int epochs) {
    }

    /**
     * One epoch of the loss history.
     *
     * @param metrics validation metrics: accuracy, balancedAccuracy, auc (subtype) or cIndex (survival); a metric
     *                that is undefined on the validation slides is null
     */
    @Schema(name = "TrainingEpoch")
    public record Epoch(int epoch, double trainLoss, double validationLoss, Map<String, Object> metrics) {
    }
}
