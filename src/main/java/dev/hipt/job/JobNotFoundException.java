package dev.hipt.job;

import java.util.UUID;
import org.springframework.http.HttpStatus;
import org.springframework.http.ProblemDetail;
import org.springframework.web.ErrorResponseException;

/** 404 for an unknown job id, as problem+json with {@code code = JOB_NOT_FOUND}. */
class JobNotFoundException extends ErrorResponseException {

    static final String CODE = "JOB_NOT_FOUND";

    JobNotFoundException(UUID jobId) {
        super(HttpStatus.NOT_FOUND, problem(jobId), null);
    }

    private static ProblemDetail problem(UUID jobId) {
        ProblemDetail problem = ProblemDetail.forStatusAndDetail(HttpStatus.NOT_FOUND, "No analysis job " + jobId);
        problem.setTitle("Job not found");
        problem.setProperty("code", CODE);
        return problem;
    }
}
