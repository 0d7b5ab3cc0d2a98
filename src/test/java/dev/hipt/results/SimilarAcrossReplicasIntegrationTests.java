package dev.hipt.results;

import static dev.hipt.results.RegionResultsIntegrationTests.V1;
import static dev.hipt.results.RegionResultsIntegrationTests.V2;
import static dev.hipt.results.RegionResultsIntegrationTests.floats;
import static org.awaitility.Awaitility.await;

import dev.hipt.HiptApplication;
import dev.hipt.OpenApiResponseValidator;
import dev.hipt.PostgresTestDatabase;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import javax.sql.DataSource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.web.client.RestClient;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Two replicas (two application contexts) on one PostgreSQL and one blob store: slide results written, re-analysed
 * and deleted through replica A reach replica B's {@code /similar} within seconds, by B's poll of the change stamps.
 */
class SimilarAcrossReplicasIntegrationTests {

    private static final JsonMapper JSON = JsonMapper.builder().build();

    @TempDir
    Path work;

    @Test
    void writesReanalysesAndDeletionsOnOneReplicaReachTheOthersSimilarSlidesWithinSeconds() {
        PostgresTestDatabase.Database database = PostgresTestDatabase.newDatabase();
        Map<String, Object> properties = new HashMap<>(Map.of(
                "spring.profiles.active", "postgres",
                "spring.datasource.url", database.jdbcUrl(),
                "spring.datasource.username", database.username(),
                "spring.datasource.password", database.password(),
                "hipt.storage.root", work.resolve("shared").toString(),
                "hipt.results.similar-index.poll-interval", "200ms",
                "server.port", "0"));
        properties.putAll(Map.of(
                "hipt.security.api-keys[0].name", "test-admin",
                "hipt.security.api-keys[0].role", "ADMIN",
                "hipt.security.api-keys[0].key-sha256",
                "944650a7cd0f9e14d5c4fb15edbffb7fa45fb9ed36a4fa9be3d7e5476ae51bd9"));
        try (ConfigurableApplicationContext a = start(properties);
             ConfigurableApplicationContext b = start(properties)) {
            JdbcRegionResults resultsOnA = a.getBean(JdbcRegionResults.class);
            JdbcClient jdbc = JdbcClient.create(a.getBean(DataSource.class));
            RestClient apiOnA = api(a);
            RestClient apiOnB = api(b);
            UUID query = UUID.randomUUID();
            UUID near = UUID.randomUUID();
            UUID deleted = UUID.randomUUID();
            float[] vector = floats(192, 1);
            for (UUID slide : List.of(query, near, deleted)) {
                ResultsTestDatabase.insertSlide(jdbc, slide);
                resultsOnA.storeSlide(slide, V1, new SlideResult(1, vector, null, null));
            }

            awaitOnB("B lists both new slides", apiOnB, query, List.of(near, deleted));

            resultsOnA.storeSlide(near, V2, new SlideResult(1, vector, null, null));
            awaitOnB("B drops the slide re-analysed with another backbone", apiOnB, query, List.of(deleted));

            apiOnA.delete().uri("/api/v1/slides/{id}", deleted).retrieve().toBodilessEntity();
            awaitOnB("B drops the deleted slide", apiOnB, query, List.of());
        }
    }

    private static void awaitOnB(String what, RestClient apiOnB, UUID query, List<UUID> expected) {
        await(what).atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(100))
                .until(() -> similar(apiOnB, query).equals(expected.stream().map(UUID::toString).sorted().toList()));
    }

    private static List<String> similar(RestClient api, UUID slide) {
        JsonNode answer = JSON.readTree(api.get().uri("/api/v1/slides/{id}/similar?k=10", slide).retrieve()
                .body(String.class));
        List<String> ids = new ArrayList<>();
        answer.path("similar").forEach(s -> ids.add(s.path("slideId").asString()));
        return ids.stream().sorted().toList();
    }

    private static RestClient api(ConfigurableApplicationContext context) {
        return RestClient.builder()
                .baseUrl("http://localhost:" + context.getEnvironment().getProperty("local.server.port"))
                .requestInterceptor(OpenApiResponseValidator.instance().interceptor())
                .defaultHeader("X-API-Key", "test-admin-key").build();
    }

    /** Properties as command-line arguments: above application.yml, as a deployment's environment is. */
    private static ConfigurableApplicationContext start(Map<String, Object> properties) {
        return new SpringApplicationBuilder(HiptApplication.class).run(properties.entrySet().stream()
                .map(e -> "--" + e.getKey() + "=" + e.getValue()).toArray(String[]::new));
    }
}
