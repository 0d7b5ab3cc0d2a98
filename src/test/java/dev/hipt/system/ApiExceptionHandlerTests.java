package dev.hipt.system;

import static org.assertj.core.api.Assertions.assertThat;

import com.github.kagkarlsson.shaded.jdbc.SQLRuntimeException;
import java.net.ConnectException;
import java.sql.SQLTransientConnectionException;
import org.junit.jupiter.api.Test;
import org.springframework.http.HttpHeaders;
import org.springframework.http.ProblemDetail;
import org.springframework.http.ResponseEntity;
import org.springframework.mock.web.MockHttpServletRequest;

/** How the advice answers failures that arrive wrapped by the libraries in between. */
class ApiExceptionHandlerTests {

    private final ApiExceptionHandler handler = new ApiExceptionHandler();
    private final MockHttpServletRequest request = new MockHttpServletRequest("POST", "/api/v1/slides");

    @Test
    void aLostDatabaseConnectionWrappedByTheJobQueueIsServiceUnavailable() {
        // db-scheduler wraps the pool's timeout when queueing an analysis for an upload
        RuntimeException wrapped = new SQLRuntimeException(new SQLTransientConnectionException(
                "HikariPool-1 - Connection is not available, request timed out after 30000ms"));

        ResponseEntity<ProblemDetail> answer = handler.handleUnexpected(wrapped, request);

        assertThat(answer.getStatusCode().value()).isEqualTo(503);
        assertThat(answer.getBody().getProperties()).containsEntry("code", ErrorCodes.SERVICE_UNAVAILABLE);
        assertThat(answer.getHeaders().getFirst(HttpHeaders.RETRY_AFTER)).isNotBlank();
    }

    @Test
    void aRefusedDatabaseConnectionDeepInTheCauseChainIsServiceUnavailable() {
        RuntimeException wrapped = new IllegalStateException("could not queue", new SQLRuntimeException(
                new java.sql.SQLException("Connection refused", "08001", new ConnectException("refused"))));

        assertThat(handler.handleUnexpected(wrapped, request).getStatusCode().value()).isEqualTo(503);
    }

    @Test
    void anyOtherFailureIsStillAnInternalError() {
        ResponseEntity<ProblemDetail> answer = handler.handleUnexpected(new IllegalStateException("a bug"), request);

        assertThat(answer.getStatusCode().value()).isEqualTo(500);
        assertThat(answer.getBody().getProperties()).containsEntry("code", ErrorCodes.INTERNAL_ERROR);
    }
}
