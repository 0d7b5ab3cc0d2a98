package dev.hipt;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.UUID;
import org.junit.jupiter.api.Test;

/** The response validator against the committed OpenAPI snapshot: what it lets through and what it flags. */
class OpenApiResponseValidatorTests {

    private static final String JOB = """
            {"id":"%s","slideId":"%s","status":"QUEUED","progress":{"done":0,"total":0,"patchesDone":0,
             "patchesTotal":0,"estimatedSecondsLeft":null},"error":null,"createdAt":"2026-01-01T00:00:00Z",
             "startedAt":null,"finishedAt":null,
             "regions":{"recomputeAll":false,"reused":0,"recomputed":0,"dropped":0}}""".formatted(UUID.randomUUID(),
            UUID.randomUUID());

    private final OpenApiResponseValidator validator = OpenApiResponseValidator.instance();

    @Test
    void acceptsAJobWithItsNullableFieldsNull() {
        assertThat(validator.problems("GET", "/api/v1/jobs/" + UUID.randomUUID(), 200, "application/json", JOB))
                .isEmpty();
    }

    @Test
    void flagsNullWhereTheDocumentSaysAString() {
        String job = JOB.replace("\"status\":\"QUEUED\"", "\"status\":null");

        assertThat(validator.problems("GET", "/api/v1/jobs/{id}", 200, "application/json", job))
                .anySatisfy(problem -> assertThat(problem).contains("/status"));
    }

    @Test
    void flagsAValueOutsideItsFormatOrEnum() {
        String job = JOB.replaceFirst("\"id\":\"[^\"]+\"", "\"id\":\"job-1\"")
                .replace("\"QUEUED\"", "\"WAITING\"");

        assertThat(validator.problems("GET", "/api/v1/jobs/{id}", 200, "application/json", job))
                .anySatisfy(problem -> assertThat(problem).contains("/id"))
                .anySatisfy(problem -> assertThat(problem).contains("/status"));
    }

    @Test
    void flagsAMissingRequiredProperty() {
        String job = JOB.replace("\"startedAt\":null,", "");

        assertThat(validator.problems("GET", "/api/v1/jobs/{id}", 200, "application/json", job))
                .anySatisfy(problem -> assertThat(problem).contains("startedAt"));
    }

    @Test
    void flagsAnUndocumentedStatusAndContentType() {
        assertThat(validator.problems("GET", "/api/v1/jobs/{id}", 418, "application/json", JOB))
                .anySatisfy(problem -> assertThat(problem).contains("418"));
        assertThat(validator.problems("GET", "/api/v1/jobs/{id}", 200, "text/html", "<html/>"))
                .anySatisfy(problem -> assertThat(problem).contains("text/html"));
    }

    @Test
    void errorsOfUndocumentedPathsMustStillBeProblems() {
        String problem = "{\"title\":\"Not Found\",\"status\":404,\"code\":\"NOT_FOUND\"}";

        assertThat(validator.problems("GET", "/api/v1/nothing/here", 404, "application/problem+json", problem))
                .isEmpty();
        assertThat(validator.problems("GET", "/api/v1/nothing/here", 404, "text/html", "<html/>")).isNotEmpty();
        assertThat(validator.problems("GET", "/api/v1/nothing/here", 404, "application/problem+json",
                "{\"status\":404}")).anySatisfy(p -> assertThat(p).contains("code"));
    }

    @Test
    void assertValidNamesTheOperationAndTheProblems() {
        assertThatThrownBy(() -> validator.assertValid("GET", "/api/v1/jobs/x?y=1", 200, "application/json", "{}"))
                .isInstanceOf(AssertionError.class)
                .hasMessageContaining("GET /api/v1/jobs/x?y=1 answered 200")
                .hasMessageContaining("required property");
    }
}
