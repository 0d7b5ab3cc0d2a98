package dev.hipt.system;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.hipt.PostgresTestDatabase;
import dev.hipt.ServiceIntegrationTestSupport;
import java.time.Duration;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.test.annotation.DirtiesContext;
import org.springframework.test.context.ActiveProfiles;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.springframework.test.context.TestPropertySource;

/**
 * A PostgreSQL restart under the running service, over real HTTP: while the database is away readiness is DOWN,
 * liveness stays UP and the API answers 503 problem+json {@code SERVICE_UNAVAILABLE} with {@code Retry-After};
 * once it is back, everything answers again without a restart of the service. The database is a server of this
 * test's own, so that no other test sees it go.
 */
@ActiveProfiles("postgres")
@TestPropertySource(properties = {
        "hipt.job.workers-per-device=0",
        "spring.datasource.hikari.connection-timeout=1000",
        "spring.datasource.hikari.validation-timeout=500"})
@DirtiesContext
class DatabaseRestartIntegrationTests extends ServiceIntegrationTestSupport {

    private static final Duration WAIT = Duration.ofSeconds(30);
    private static final PostgresTestDatabase.Restartable DATABASE = PostgresTestDatabase.restartable();

    @DynamicPropertySource
    static void database(DynamicPropertyRegistry registry) {
        registry.add("spring.datasource.url", DATABASE::jdbcUrl);
        registry.add("spring.datasource.username", () -> "postgres");
        registry.add("spring.datasource.password", () -> "");
    }

    @Test
    void databaseRestartMakesTheServiceUnreadyAnd503ThenItRecoversWithoutRestart() {
        assertThat(status("/actuator/health/readiness")).isEqualTo(200);
        assertThat(client.get().uri("/api/v1/slides").retrieve().toBodilessEntity().getStatusCode().value())
                .isEqualTo(200);

        DATABASE.stop();
        try {
            ResponseEntity<String> slides = exchange("/api/v1/slides");
            assertThat(slides.getStatusCode().value()).isEqualTo(503);
            assertThat(slides.getHeaders().getContentType()).isEqualTo(MediaType.APPLICATION_PROBLEM_JSON);
            assertThat(slides.getBody()).contains("\"code\":\"SERVICE_UNAVAILABLE\"");
            assertThat(slides.getHeaders().getFirst("Retry-After")).isNotBlank();
            assertThat(exchange("/api/v1/jobs/" + UUID.randomUUID()).getStatusCode().value()).isEqualTo(503);
            await().atMost(WAIT).until(() -> status("/actuator/health/readiness") == 503);
            assertThat(status("/actuator/health/liveness")).isEqualTo(200);
        } finally {
            DATABASE.start();
        }

        await().atMost(WAIT).until(() -> status("/actuator/health/readiness") == 200);
        await().atMost(WAIT).until(() -> exchange("/api/v1/slides").getStatusCode().value() == 200);
        assertThat(status("/actuator/health/liveness")).isEqualTo(200);
    }

    private ResponseEntity<String> exchange(String path) {
        return client.get().uri(path).exchange((request, response) -> ResponseEntity.status(response.getStatusCode())
                .headers(response.getHeaders()).body(new String(response.getBody().readAllBytes())));
    }

    private int status(String path) {
        return anonymous.get().uri(path).exchange((request, response) -> response.getStatusCode().value());
    }
}
