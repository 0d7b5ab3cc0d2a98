package dev.hipt.system;

import static dev.hipt.system.ActuatorAccessIntegrationTests.get;
import static org.assertj.core.api.Assertions.assertThat;

import dev.hipt.ServiceIntegrationTestSupport;
import org.junit.jupiter.api.Test;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.test.context.TestPropertySource;
import org.springframework.web.client.RestClient;

/** {@code hipt.security.metrics-public=false}: Prometheus scrapes need a METRICS (or ADMIN) key, over real HTTP. */
@TestPropertySource(properties = {
        "hipt.job.workers-per-device=0",
        "hipt.security.metrics-public=false",
        "hipt.security.api-keys[2].name=test-scraper",
        "hipt.security.api-keys[2].role=METRICS",
        "hipt.security.api-keys[2].key-sha256=c098c85c40d6cf2cd466570e47371a5ec7cfc22c37585e05188869dec452347e"})
class PrivateMetricsIntegrationTests extends ServiceIntegrationTestSupport {

    private static final String METRICS_KEY = "test-metrics-key";

    @Test
    void anonymousScrapeIsRefusedWithProblem401() {
        ResponseEntity<String> metrics = get(anonymous, "/actuator/prometheus");
        assertThat(metrics.getStatusCode().value()).isEqualTo(401);
        assertThat(metrics.getHeaders().getContentType()).isEqualTo(MediaType.APPLICATION_PROBLEM_JSON);
        assertThat(metrics.getBody()).contains("\"code\":\"UNAUTHORIZED\"").doesNotContain("hipt_");
    }

    @Test
    void scrapeKeyAndAdminKeyMayScrapeAClientKeyMayNot() {
        RestClient scraper = RestClient.builder().baseUrl(baseUrl()).defaultHeader("X-API-Key", METRICS_KEY).build();
        ResponseEntity<String> metrics = get(scraper, "/actuator/prometheus");
        assertThat(metrics.getStatusCode().value()).isEqualTo(200);
        assertThat(metrics.getBody()).contains("hipt_regions_processed_total");
        assertThat(get(admin, "/actuator/prometheus").getStatusCode().value()).isEqualTo(200);
        assertThat(get(client, "/actuator/prometheus").getStatusCode().value()).isEqualTo(403);
    }

    @Test
    void scrapeKeyOpensNothingElse() {
        RestClient scraper = RestClient.builder().baseUrl(baseUrl()).defaultHeader("X-API-Key", METRICS_KEY).build();
        assertThat(get(scraper, "/api/v1/slides").getStatusCode().value()).isEqualTo(403);
        assertThat(get(anonymous, "/actuator/health/liveness").getStatusCode().value()).isEqualTo(200);
    }
}
