package dev.hipt.training.pretraining;

import dev.hipt.system.ApiException;
import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.media.Content;
import io.swagger.v3.oas.annotations.media.Schema;
import io.swagger.v3.oas.annotations.responses.ApiResponse;
import io.swagger.v3.oas.annotations.tags.Tag;
import jakarta.servlet.http.HttpServletResponse;
import org.springframework.http.ContentDisposition;
import org.springframework.http.HttpHeaders;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RestController;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.util.UUID;

/** DINO pretraining jobs (ADMIN). */
@RestController
@RequestMapping("/api/v1/admin/pretraining-jobs")
@Tag(name = "pretraining", description = "DINO pretraining of ViT-256 (stage 1) and ViT-4K (stage 2) on stored "
        + "slides, as persistent jobs (ADMIN)")
class PretrainingController {

    private final PretrainingService service;

    PretrainingController(PretrainingService service) {
        this.service = service;
    }

    @PostMapping(consumes = MediaType.APPLICATION_JSON_VALUE, produces = MediaType.APPLICATION_JSON_VALUE)
    @Operation(operationId = "createPretrainingJob", summary = "Queues a DINO pretraining job over stored slides; "
            + "every field is checked before anything runs")
    @ApiResponse(responseCode = "202", description = "The queued job; Location is its URL")
    @ApiResponse(responseCode = "400", description = "A field is missing or out of range (code VALIDATION_FAILED), "
            + "or the body is not a JSON object of these fields or has a field of the wrong type (BAD_REQUEST)")
    @ApiResponse(responseCode = "422", description = "Slides not stored (UNKNOWN_SLIDES), no slide at all "
            + "(NO_SLIDES), vit256ModelId unknown (UNKNOWN_MODEL) or not a ViT-256 (NOT_A_VIT256), stage 2 without "
            + "a ViT-256 (VIT256_REQUIRED)")
    @ApiResponse(responseCode = "415", description = "The body is not application/json (code UNSUPPORTED_MEDIA_TYPE)")
    ResponseEntity<PretrainingJobView> create(@RequestBody PretrainingRequest request) {
        PretrainingJobView job = service.submit(request);
        return ResponseEntity.accepted().location(URI.create("/api/v1/admin/pretraining-jobs/" + job.id()))
                .body(job);
    }

    @GetMapping(path = "/{id}", produces = MediaType.APPLICATION_JSON_VALUE)
    @Operation(operationId = "getPretrainingJob", summary = "A pretraining job: status, progress in iterations, "
            + "loss history, the registered model when done, error")
    @ApiResponse(responseCode = "200", description = "The job")
    @ApiResponse(responseCode = "404", description = "No such job (code NOT_FOUND)")
    PretrainingJobView get(@PathVariable UUID id) {
        return service.find(id).orElseThrow(() -> ApiException.notFound("pretraining job", id));
    }

    /*
     * No 'produces', as for the model checkpoint download: generated clients ask for files in their own ways.
     */
    @GetMapping(path = "/{id}/checkpoint")
    @Operation(operationId = "downloadPretrainingCheckpoint", summary = "The job's last checkpoint, DINO's official "
            + ".pth (student, teacher, optimizer, epoch, args, dino_loss), at checkpointIteration",
            description = "Also for a running, cancelled or failed job, whose checkpoint is not registered as a "
                    + "model: register it with POST /api/v1/admin/models (kind vit256 or vit4k) to analyse with it.")
    @ApiResponse(responseCode = "200", description = "The .pth file",
            content = @Content(mediaType = MediaType.APPLICATION_OCTET_STREAM_VALUE,
                    schema = @Schema(type = "string", format = "binary")))
    @ApiResponse(responseCode = "404", description = "No such job (NOT_FOUND), or no checkpoint stored yet "
            + "(NO_CHECKPOINT)")
    void checkpoint(@PathVariable UUID id, HttpServletResponse response) throws IOException {
        try (InputStream in = service.openCheckpoint(id)) {
            response.setContentType(MediaType.APPLICATION_OCTET_STREAM_VALUE);
            response.setHeader(HttpHeaders.CONTENT_DISPOSITION, ContentDisposition.attachment()
                    .filename("pretraining-" + id + ".pth").build().toString());
            in.transferTo(response.getOutputStream());
        }
    }

    @PostMapping(path = "/{id}/cancel", produces = MediaType.APPLICATION_JSON_VALUE)
    @Operation(operationId = "cancelPretrainingJob", summary = "Cancels a job: a queued one at once, a running one "
            + "after its current iteration, keeping its last checkpoint; a finished job is returned unchanged")
    @ApiResponse(responseCode = "200", description = "The job after the cancel request")
    @ApiResponse(responseCode = "404", description = "No such job (code NOT_FOUND)")
    PretrainingJobView cancel(@PathVariable UUID id) {
        return service.cancel(id).orElseThrow(() -> ApiException.notFound("pretraining job", id));
    }
}
