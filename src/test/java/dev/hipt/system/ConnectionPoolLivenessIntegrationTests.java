package dev.hipt.system;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.hipt.ServiceIntegrationTestSupport;
import java.net.http.HttpClient;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import javax.sql.DataSource;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.http.client.JdkClientHttpRequestFactory;
import org.springframework.test.context.TestPropertySource;
import org.springframework.web.client.RestClient;

/**
 * Liveness and metrics over real HTTP while the test holds every database connection: liveness DOWN once the pool
 * has stayed exhausted for {@code hipt.liveness.pool-exhausted-after} (1 s here), UP again when the connections
 * come back; Prometheus answers at once meanwhile. Neither probe may need a connection itself.
 */
@TestPropertySource(properties = {
        "hipt.job.workers-per-device=0",
        "spring.datasource.hikari.maximum-pool-size=3",
        "spring.datasource.hikari.minimum-idle=3",
        "spring.datasource.hikari.connection-timeout=20000",
        "hipt.liveness.pool-exhausted-after=1s",
        "hipt.liveness.pool-sample-interval=100ms"})
class ConnectionPoolLivenessIntegrationTests extends ServiceIntegrationTestSupport {

    private static final Duration WAIT = Duration.ofSeconds(15);

    @Autowired
    DataSource dataSource;

    private final List<Connection> held = new ArrayList<>();
    private CompletableFuture<Void> waiter;

    @AfterEach
    void giveBack() throws SQLException {
        for (Connection connection : held) {
            connection.close();
        }
        held.clear();
        if (waiter != null) {
            waiter.join();
        }
    }

    @Test
    void livenessStaysUpUnderNormalUse() {
        await().atMost(WAIT).during(Duration.ofMillis(1500)).pollInterval(Duration.ofMillis(100)).until(() -> {
            assertThat(client.get().uri("/api/v1/slides").retrieve().toBodilessEntity().getStatusCode().value())
                    .isEqualTo(200);
            return status("/actuator/health/liveness") == 200;
        });
    }

    @Test
    void livenessGoesDownWhileThePoolStaysExhaustedAndUpWhenConnectionsComeBack() throws SQLException {
        assertThat(status("/actuator/health/liveness")).isEqualTo(200);
        exhaustPool();

        await().atMost(WAIT).until(() -> status("/actuator/health/liveness") == 503);
        for (Connection connection : held) {
            connection.close();
        }
        held.clear();
        await().atMost(WAIT).until(() -> status("/actuator/health/liveness") == 200);
    }

    @Test
    void prometheusAnswersAtOnceWhileThePoolIsExhausted() throws SQLException {
        exhaustPool();
        RestClient impatient = RestClient.builder().baseUrl(baseUrl())
                .requestFactory(readTimeout(Duration.ofSeconds(3))).build();

        String metrics = impatient.get().uri("/actuator/prometheus").retrieve().body(String.class);

        assertThat(metrics).contains("hipt_jobs_queued", "hikaricp_connections_pending");
    }

    /** Takes every connection of the pool and leaves one more caller waiting for one. */
    private void exhaustPool() throws SQLException {
        for (int i = 0; i < 3; i++) {
            held.add(dataSource.getConnection());
        }
        waiter = CompletableFuture.runAsync(() -> {
            try (Connection ignored = dataSource.getConnection()) {
                // got one once the test gave its connections back
            } catch (SQLException e) {
                // timed out: the test is over
            }
        });
    }

    private int status(String path) {
        return RestClient.builder().baseUrl(baseUrl()).requestFactory(readTimeout(Duration.ofSeconds(3))).build()
                .get().uri(path).exchange((request, response) -> response.getStatusCode().value());
    }

    private static JdkClientHttpRequestFactory readTimeout(Duration timeout) {
        JdkClientHttpRequestFactory factory = new JdkClientHttpRequestFactory(
                HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(3)).build());
        factory.setReadTimeout(timeout);
        return factory;
    }
}
