package dev.hipt.results;

import org.springframework.core.Ordered;
import org.springframework.core.annotation.Order;
import org.springframework.http.MediaType;
import org.springframework.http.ProblemDetail;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.bind.annotation.RestControllerAdvice;

/** Renders {@link ResultsException} as RFC 9457 problem+json with its {@code code}, for the results endpoints. */
@RestControllerAdvice(assignableTypes = ResultsController.class)
@Order(Ordered.HIGHEST_PRECEDENCE)
class ResultsProblems {

    @ExceptionHandler(ResultsException.class)
    ResponseEntity<ProblemDetail> handle(ResultsException e) {
        return ResponseEntity.status(e.getStatusCode())
                .contentType(MediaType.APPLICATION_PROBLEM_JSON)
                .body(e.getBody());
    }
}
