package dev.hipt.system;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.hipt.ServiceIntegrationTestSupport;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.springframework.http.ResponseEntity;
import org.springframework.test.context.TestPropertySource;
import org.springframework.web.client.RestClient;

/**
 * Who sees what of the operations endpoints, over real HTTP, with checkpoints configured at paths that do not
 * exist (so the models' failure reason names them): anonymous callers get health status without details and
 * info without the reason; callers with a key get both; Prometheus is public by default.
 */
@TestPropertySource(properties = {
        "hipt.job.workers-per-device=0",
        "hipt.model.vit256-checkpoint=/nonexistent/secret-checkpoints/vit256.pth",
        "hipt.model.vit4k-checkpoint=/nonexistent/secret-checkpoints/vit4k.pth"})
class ActuatorAccessIntegrationTests extends ServiceIntegrationTestSupport {

    private static final String PATH_PART = "secret-checkpoints";

    @Test
    void anonymousHealthHasTheStatusButNoDetails() {
        await().atMost(Duration.ofSeconds(20)).until(() -> get(client, "/actuator/health").getBody().contains(PATH_PART));

        ResponseEntity<String> health = get(anonymous, "/actuator/health");
        assertThat(health.getBody()).contains("\"status\":\"DOWN\"").doesNotContain(PATH_PART, "components",
                "models");
        assertThat(get(anonymous, "/actuator/health/readiness").getBody()).doesNotContain(PATH_PART, "components");
        assertThat(get(anonymous, "/actuator/health/liveness").getStatusCode().value()).isEqualTo(200);
    }

    @Test
    void keyedHealthShowsWhichCheckFailedAndWhy() {
        await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> assertThat(get(client, "/actuator/health")
                .getBody()).contains("\"models\"", "\"state\":\"FAILED\"", PATH_PART));
    }

    @Test
    void anonymousInfoNamesNoCheckpointPath() {
        await().atMost(Duration.ofSeconds(20)).until(() -> get(admin, "/actuator/info").getBody().contains(PATH_PART));

        ResponseEntity<String> info = get(anonymous, "/actuator/info");
        assertThat(info.getStatusCode().value()).isEqualTo(200);
        assertThat(info.getBody()).contains("\"state\":\"FAILED\"").doesNotContain(PATH_PART);
    }

    @Test
    void prometheusIsPublicByDefault() {
        ResponseEntity<String> metrics = get(anonymous, "/actuator/prometheus");
        assertThat(metrics.getStatusCode().value()).isEqualTo(200);
        assertThat(metrics.getBody()).contains("hipt_regions_processed_total");
    }

    static ResponseEntity<String> get(RestClient caller, String path) {
        return caller.get().uri(path).exchange((request, response) -> ResponseEntity.status(response.getStatusCode())
                .headers(response.getHeaders()).body(new String(response.getBody().readAllBytes())));
    }
}
