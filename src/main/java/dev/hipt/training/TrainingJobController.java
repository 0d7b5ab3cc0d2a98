package dev.hipt.training;

import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.responses.ApiResponse;
import io.swagger.v3.oas.annotations.tags.Tag;
import java.net.URI;
import java.util.UUID;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RestController;

/** Head training jobs (ADMIN). */
@RestController
@RequestMapping("/api/v1/admin/training-jobs")
@Tag(name = "training-jobs", description = "Train a subtype or survival head (HIPT_LGP_FC) on a label set (ADMIN)")
class TrainingJobController {

    private final TrainingJobService jobs;

    TrainingJobController(TrainingJobService jobs) {
        this.jobs = jobs;
    }

    @PostMapping(consumes = MediaType.APPLICATION_JSON_VALUE, produces = MediaType.APPLICATION_JSON_VALUE)
    @Operation(operationId = "createTrainingJob", summary = "Queues a head training job on the analysis engine: task"
            + " subtype or survival, a label set, epochs and options; when it succeeds the head is registered"
            + " (modelId) and can be activated")
    @ApiResponse(responseCode = "202", description = "The queued job")
    @ApiResponse(responseCode = "400", description = "A missing field or an option out of range (VALIDATION_FAILED);"
            + " a body that is not a JSON object of these fields, or a field of the wrong type (BAD_REQUEST)")
    @ApiResponse(responseCode = "404", description = "No such label set (NOT_FOUND)")
    @ApiResponse(responseCode = "422", description = "The label set cannot train the task: no labels for it"
            + " (LABEL_SET_INVALID), one class only (TRAINING_SINGLE_CLASS), too few slides for the split or the"
            + " bins (TRAINING_TOO_FEW_SLIDES)")
    @ApiResponse(responseCode = "415", description = "The body is not application/json (UNSUPPORTED_MEDIA_TYPE)")
    ResponseEntity<TrainingJobView> create(@RequestBody TrainingJobRequest request) {
        TrainingJobView job = jobs.submit(request);
        return ResponseEntity.accepted().location(URI.create("/api/v1/admin/training-jobs/" + job.id())).body(job);
    }

    @GetMapping(path = "/{id}", produces = MediaType.APPLICATION_JSON_VALUE)
    @Operation(operationId = "getTrainingJob", summary = "A training job: status, progress in epochs, loss"
            + " history, validation metrics, modelId when done, error {code, detail}")
    @ApiResponse(responseCode = "200", description = "The job")
    @ApiResponse(responseCode = "404", description = "No such job (NOT_FOUND)")
    TrainingJobView get(@PathVariable UUID id) {
        return jobs.find(id);
    }

    @PostMapping(path = "/{id}/cancel", produces = MediaType.APPLICATION_JSON_VALUE)
    @Operation(operationId = "cancelTrainingJob", summary = "Cancels a training job: a queued one at once, a running"
            + " one at its next slide; an ended job is returned unchanged")
    @ApiResponse(responseCode = "200", description = "The job after the cancel request")
    @ApiResponse(responseCode = "404", description = "No such job (NOT_FOUND)")
    TrainingJobView cancel(@PathVariable UUID id) {
        return jobs.cancel(id);
    }
}
