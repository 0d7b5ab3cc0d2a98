package dev.hipt.results;

import java.net.URI;
import org.springframework.http.HttpStatus;
import org.springframework.http.ProblemDetail;
import org.springframework.web.ErrorResponseException;

/**
 * A results request that cannot be answered, with the stable problem {@code code} the API reports. It is an
 * {@link ErrorResponseException}, so any problem+json advice renders it; {@link ResultsProblems} does for now.
 */
class ResultsException extends ErrorResponseException {

    static final String RESULTS_NOT_FOUND = "RESULTS_NOT_FOUND";
    static final String PATCHES_NOT_AVAILABLE = "PATCHES_NOT_AVAILABLE";
    static final String INVALID_PARAMETER = "INVALID_PARAMETER";

    private final String code;

    ResultsException(HttpStatus status, String code, String detail) {
        super(status, problem(status, code, detail), null);
        this.code = code;
    }

    static ResultsException notFound(java.util.UUID slideId) {
        return new ResultsException(HttpStatus.NOT_FOUND, RESULTS_NOT_FOUND,
                "Slide " + slideId + " has no analysis results (not analysed yet, analysis not finished, "
                        + "or no such slide).");
    }

    String code() {
        return code;
    }

    @Override
    public String getMessage() {
        return code + ": " + getBody().getDetail();
    }

    private static ProblemDetail problem(HttpStatus status, String code, String detail) {
        ProblemDetail p = ProblemDetail.forStatusAndDetail(status, detail);
        p.setTitle(status.getReasonPhrase());
        p.setType(URI.create("urn:hipt:problem:" + code.toLowerCase().replace('_', '-')));
        p.setProperty("code", code);
        return p;
    }
}
