package dev.hipt.job;

import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.responses.ApiResponse;
import io.swagger.v3.oas.annotations.tags.Tag;
import dev.hipt.system.ApiException;
import java.util.UUID;
import org.springframework.http.MediaType;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RestController;

/** Analysis job status and cancellation. */
@RestController
@RequestMapping("/api/v1/jobs")
@Tag(name = "jobs", description = "Analysis jobs: status, progress in regions, cancellation")
class JobController {

    private final AnalysisJobs jobs;

    JobController(AnalysisJobs jobs) {
        this.jobs = jobs;
    }

    @GetMapping(path = "/{id}", produces = MediaType.APPLICATION_JSON_VALUE)
    @Operation(operationId = "getJob", summary = "An analysis job: status, progress {done,total} in regions, error")
    @ApiResponse(responseCode = "200", description = "The job")
    @ApiResponse(responseCode = "404", description = "No such job (code NOT_FOUND)")
    JobView get(@PathVariable UUID id) {
        return jobs.find(id).orElseThrow(() -> ApiException.notFound("analysis job", id));
    }

    @PostMapping(path = "/{id}/cancel", produces = MediaType.APPLICATION_JSON_VALUE)
    @Operation(operationId = "cancelJob", summary = "Cancels a job: a queued one at once, a running one at its "
            + "next region; a finished job is returned unchanged")
    @ApiResponse(responseCode = "200", description = "The job after the cancel request")
    @ApiResponse(responseCode = "404", description = "No such job (code NOT_FOUND)")
    JobView cancel(@PathVariable UUID id) {
        return jobs.cancel(id).orElseThrow(() -> ApiException.notFound("analysis job", id));
    }
}
