package dev.hipt.system;

import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;

/**
 * An error any feature can throw from a request thread to answer with RFC 9457 {@code application/problem+json}:
 * the HTTP status, a stable machine-readable {@code code} (for example {@code NOT_FOUND}, {@code QUEUE_FULL}) and a
 * human-readable detail. {@link ApiExceptionHandler} turns it into a {@link org.springframework.http.ProblemDetail}
 * whose {@code code} property is {@link #code()}; extra response headers (such as {@code Retry-After}) travel along.
 *
 * <p>The detail is shown to the caller: never put patient data or slide properties in it.
 */
public class ApiException extends RuntimeException {

    private final HttpStatus status;
    private final String code;
    private final HttpHeaders headers;
    private final Map<String, Object> properties;

    public ApiException(HttpStatus status, String code, String detail) {
        this(status, code, detail, new HttpHeaders(), null);
    }

    public ApiException(HttpStatus status, String code, String detail, Throwable cause) {
        this(status, code, detail, new HttpHeaders(), cause);
    }

    public ApiException(HttpStatus status, String code, String detail, HttpHeaders headers, Throwable cause) {
        this(status, code, detail, headers, Map.of(), cause);
    }

    /**
     * With extra problem properties beside {@code code} (for example the id of the resource a conflict is with), for
     * clients that act on them without parsing the detail; {@code code} and the RFC 9457 members cannot be replaced.
     */
    public ApiException(HttpStatus status, String code, String detail, Map<String, Object> properties) {
        this(status, code, detail, new HttpHeaders(), properties, null);
    }

    private ApiException(HttpStatus status, String code, String detail, HttpHeaders headers,
                         Map<String, Object> properties, Throwable cause) {
        super(detail, cause);
        this.status = Objects.requireNonNull(status, "status");
        this.code = Objects.requireNonNull(code, "code");
        this.headers = HttpHeaders.readOnlyHttpHeaders(headers);
        this.properties = Map.copyOf(properties);
    }

    /** 404 {@code NOT_FOUND}: "{what} {id} does not exist". */
    public static ApiException notFound(String what, Object id) {
        return new ApiException(HttpStatus.NOT_FOUND, ErrorCodes.NOT_FOUND, what + " " + id + " does not exist");
    }

    /** 400 {@code BAD_REQUEST} with the given detail. */
    public static ApiException badRequest(String detail) {
        return new ApiException(HttpStatus.BAD_REQUEST, ErrorCodes.BAD_REQUEST, detail);
    }

    /** 400 {@code VALIDATION_FAILED}: a parameter or field has an invalid value. */
    public static ApiException validationFailed(String detail) {
        return new ApiException(HttpStatus.BAD_REQUEST, ErrorCodes.VALIDATION_FAILED, detail);
    }

    /** 429 {@code QUEUE_FULL} with a {@code Retry-After} header in whole seconds (at least 1). */
    public static ApiException queueFull(String detail, Duration retryAfter, Throwable cause) {
        HttpHeaders headers = new HttpHeaders();
        long seconds = Math.max(1, retryAfter == null ? 30 : (retryAfter.toMillis() + 999) / 1000);
        headers.set(HttpHeaders.RETRY_AFTER, Long.toString(seconds));
        return new ApiException(HttpStatus.TOO_MANY_REQUESTS, ErrorCodes.QUEUE_FULL, detail, headers, cause);
    }

    public HttpStatus status() {
        return status;
    }

    public String code() {
        return code;
    }

    /** Extra problem properties besides {@code code}; read-only, usually empty. */
    public Map<String, Object> properties() {
        return properties;
    }

    /** Extra response headers; read-only. */
    public HttpHeaders headers() {
        return headers;
    }
}
