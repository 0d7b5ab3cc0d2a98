package dev.hipt.system;

import dev.hipt.wsi.SlideErrorCode;
import dev.hipt.wsi.SlideException;
import jakarta.servlet.http.HttpServletRequest;
import java.net.URI;
import java.sql.SQLException;
import java.sql.SQLNonTransientConnectionException;
import java.sql.SQLTransientConnectionException;
import java.time.Duration;
import java.util.Set;
import org.apache.tomcat.util.http.InvalidParameterException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.dao.DataAccessResourceFailureException;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.HttpStatusCode;
import org.springframework.http.ProblemDetail;
import org.springframework.http.ResponseEntity;
import org.springframework.security.access.AccessDeniedException;
import org.springframework.security.core.AuthenticationException;
import org.springframework.context.i18n.LocaleContextHolder;
import org.springframework.transaction.CannotCreateTransactionException;
import org.springframework.web.ErrorResponse;
import org.springframework.web.HttpMediaTypeNotAcceptableException;
import org.springframework.web.HttpMediaTypeNotSupportedException;
import org.springframework.web.HttpRequestMethodNotSupportedException;
import org.springframework.web.bind.MethodArgumentNotValidException;
import org.springframework.web.bind.MissingServletRequestParameterException;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.bind.annotation.RestControllerAdvice;
import org.springframework.web.context.request.WebRequest;
import org.springframework.web.method.annotation.HandlerMethodValidationException;
import org.springframework.web.servlet.NoHandlerFoundException;
import org.springframework.web.servlet.mvc.method.annotation.ResponseEntityExceptionHandler;
import org.springframework.web.servlet.resource.NoResourceFoundException;

/**
 * Turns every error of the API into RFC 9457 {@code application/problem+json} with a stable {@code code} property:
 * {@link ApiException} (any feature), {@link SlideException} (422 with its {@link SlideErrorCode}), Spring MVC's own
 * exceptions (400/404/405/415 ...), the security layer's 401/403, and anything unexpected as 500
 * {@code INTERNAL_ERROR}, logged with its stack trace but never shown to the caller.
 */
@RestControllerAdvice
class ApiExceptionHandler extends ResponseEntityExceptionHandler {

    private static final Logger log = LoggerFactory.getLogger(ApiExceptionHandler.class);

    /** Matched by name so that {@code system} does not depend on {@code job} (which may throw {@link ApiException}). */
    private static final String MODEL_NOT_CONFIGURED_EXCEPTION = "dev.hipt.job.ModelNotConfiguredException";

    /** The problem members an {@link ApiException}'s extra properties never replace. */
    private static final Set<String> STANDARD_MEMBERS = Set.of("type", "title", "status",
            "detail", "instance", "code");

    /** What a 503 for an unreachable database tells the caller to wait. */
    private static final Duration DATABASE_RETRY_AFTER = Duration.ofSeconds(5);

    @ExceptionHandler(ApiException.class)
    ResponseEntity<ProblemDetail> handleApi(ApiException ex, HttpServletRequest request) {
        if (ex.status().is5xxServerError()) {
            log.error("{} {} failed with {}", request.getMethod(), request.getRequestURI(), ex.code(), ex);
        }
        ResponseEntity<ProblemDetail> answer = problem(ex.status(), ex.code(), ex.getMessage(), ex.headers(),
                request);
        ex.properties().forEach((name, value) -> {
            if (!STANDARD_MEMBERS.contains(name)) {
                answer.getBody().setProperty(name, value);
            }
        });
        return answer;
    }

    @ExceptionHandler(SlideException.class)
    ResponseEntity<ProblemDetail> handleSlide(SlideException ex, HttpServletRequest request) {
        // The message comes from the wsi package, which keeps patient data out of it.
        return problem(HttpStatus.UNPROCESSABLE_CONTENT, ex.code().name(), ex.getMessage(), null, request);
    }

    /** Tomcat could not decode a query or form parameter (its percent-encoded bytes are not UTF-8). */
    @ExceptionHandler(InvalidParameterException.class)
    ResponseEntity<ProblemDetail> handleUndecodableParameter(InvalidParameterException ex,
            HttpServletRequest request) {
        return problem(HttpStatus.BAD_REQUEST, ErrorCodes.BAD_REQUEST,
                "A query or form parameter could not be decoded: percent-encoded parameters must be UTF-8", null,
                request);
    }

    @ExceptionHandler(AuthenticationException.class)
    ResponseEntity<ProblemDetail> handleUnauthenticated(AuthenticationException ex, HttpServletRequest request) {
        HttpHeaders headers = new HttpHeaders();
        headers.set(HttpHeaders.WWW_AUTHENTICATE, "ApiKey header=\"" + ApiKeyAuthenticationFilter.HEADER + "\"");
        return problem(HttpStatus.UNAUTHORIZED, ErrorCodes.UNAUTHORIZED,
                "A valid API key is required in the " + ApiKeyAuthenticationFilter.HEADER + " header", headers,
                request);
    }

    @ExceptionHandler(AccessDeniedException.class)
    ResponseEntity<ProblemDetail> handleForbidden(AccessDeniedException ex, HttpServletRequest request) {
        return problem(HttpStatus.FORBIDDEN, ErrorCodes.FORBIDDEN, "This API key's role may not call this endpoint",
                null, request);
    }

    /**
     * The database cannot be reached (restart, failover, network) or gives no connection in time: 503 with
     * {@code Retry-After}, since the same request will work once it is back; readiness reports it too.
     */
    @ExceptionHandler({DataAccessResourceFailureException.class, CannotCreateTransactionException.class,
            SQLTransientConnectionException.class})
    ResponseEntity<ProblemDetail> handleDatabaseUnavailable(Exception ex, HttpServletRequest request) {
        log.warn("{} {} answered 503: the database is unavailable: {}", request.getMethod(), request.getRequestURI(),
                ex.toString());
        HttpHeaders headers = new HttpHeaders();
        headers.set(HttpHeaders.RETRY_AFTER, Long.toString(DATABASE_RETRY_AFTER.toSeconds()));
        return problem(HttpStatus.SERVICE_UNAVAILABLE, ErrorCodes.SERVICE_UNAVAILABLE,
                "The service's database is unavailable; retry later", headers, request);
    }

    @ExceptionHandler(Exception.class)
    ResponseEntity<ProblemDetail> handleUnexpected(Exception ex, HttpServletRequest request) {
        if (MODEL_NOT_CONFIGURED_EXCEPTION.equals(ex.getClass().getName())) {
            return problem(HttpStatus.SERVICE_UNAVAILABLE, ErrorCodes.MODEL_NOT_CONFIGURED, ex.getMessage(), null,
                    request);
        }
        if (databaseUnavailable(ex)) {
            // wrapped by a library in between (db-scheduler's SQLRuntimeException while queueing an analysis)
            return handleDatabaseUnavailable(ex, request);
        }
        log.error("{} {} failed unexpectedly", request.getMethod(), request.getRequestURI(), ex);
        return problem(HttpStatus.INTERNAL_SERVER_ERROR, ErrorCodes.INTERNAL_ERROR,
                "The service failed to process the request; the cause is logged", null, request);
    }

    /** Whether a lost or refused database connection is somewhere in the cause chain (SQLState class 08). */
    private static boolean databaseUnavailable(Throwable ex) {
        for (Throwable t = ex; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof SQLTransientConnectionException || t instanceof DataAccessResourceFailureException
                    || t instanceof CannotCreateTransactionException || t instanceof SQLNonTransientConnectionException
                    || (t instanceof SQLException sql && sql.getSQLState() != null
                            && sql.getSQLState().startsWith("08"))) {
                return true;
            }
        }
        return false;
    }

    /** Spring MVC's own exceptions arrive here with a ProblemDetail body already made: add the code. */
    @Override
    protected ResponseEntity<Object> handleExceptionInternal(Exception ex, Object body, HttpHeaders headers,
            HttpStatusCode statusCode, WebRequest request) {
        if (body == null && ex instanceof ErrorResponse errorResponse) {
            body = errorResponse.updateAndGetBody(getMessageSource(), LocaleContextHolder.getLocale());
        }
        if (body instanceof ProblemDetail detail
                && (detail.getProperties() == null || !detail.getProperties().containsKey("code"))) {
            detail.setProperty("code", codeFor(ex, statusCode));
        }
        return super.handleExceptionInternal(ex, body, headers, statusCode, request);
    }

    private static String codeFor(Exception ex, HttpStatusCode status) {
        if (ex instanceof MethodArgumentNotValidException || ex instanceof HandlerMethodValidationException
                || ex instanceof MissingServletRequestParameterException
                || ex instanceof org.springframework.beans.TypeMismatchException) {
            return ErrorCodes.VALIDATION_FAILED;
        }
        if (ex instanceof NoHandlerFoundException || ex instanceof NoResourceFoundException) {
            return ErrorCodes.NOT_FOUND;
        }
        if (ex instanceof HttpRequestMethodNotSupportedException) {
            return ErrorCodes.METHOD_NOT_ALLOWED;
        }
        if (ex instanceof HttpMediaTypeNotSupportedException) {
            return ErrorCodes.UNSUPPORTED_MEDIA_TYPE;
        }
        if (ex instanceof HttpMediaTypeNotAcceptableException) {
            return ErrorCodes.NOT_ACCEPTABLE;
        }
        return ErrorCodes.forStatus(status.value());
    }

    private static ResponseEntity<ProblemDetail> problem(HttpStatus status, String code, String detail,
            HttpHeaders headers, HttpServletRequest request) {
        ProblemDetail body = ProblemDetail.forStatusAndDetail(status, detail);
        body.setProperty("code", code);
        try {
            body.setInstance(URI.create(request.getRequestURI()));
        } catch (IllegalArgumentException notAUri) {
            // leave instance out rather than fail while reporting a failure
        }
        ResponseEntity.BodyBuilder builder = ResponseEntity.status(status);
        if (headers != null) {
            builder.headers(headers);
        }
        return builder.body(body);
    }
}
