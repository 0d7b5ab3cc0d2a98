package dev.hipt.training;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.hipt.HiptApplication;
import dev.hipt.OpenApiResponseValidator;
import dev.hipt.PostgresTestDatabase;
import dev.hipt.TinyCheckpoints;
import dev.hipt.job.CheckpointModelProvider;
import dev.hipt.model.SlideAggregator;
import dev.hipt.model.TorchCheckpointWriter;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.core.io.ByteArrayResource;
import org.springframework.http.MediaType;
import org.springframework.util.LinkedMultiValueMap;
import org.springframework.util.MultiValueMap;
import org.springframework.web.client.RestClient;
import tools.jackson.databind.json.JsonMapper;

/**
 * Two replicas (two application contexts) on one PostgreSQL and one blob store: a head activated through one
 * replica's API is what the other replica's models run within seconds, without a restart.
 */
class ActivationAcrossReplicasIntegrationTests {

    private static final JsonMapper JSON = JsonMapper.builder().build();

    @TempDir
    Path work;

    @Test
    void aHeadActivatedOnOneReplicaIsLoadedByTheOtherWithinSeconds() throws IOException {
        PostgresTestDatabase.Database database = PostgresTestDatabase.newDatabase();
        Map<String, Object> properties = new HashMap<>(TinyCheckpoints.write(work.resolve("weights")));
        properties.putAll(Map.of(
                "spring.profiles.active", "postgres",
                "spring.datasource.url", database.jdbcUrl(),
                "spring.datasource.username", database.username(),
                "spring.datasource.password", database.password(),
                "hipt.storage.root", work.resolve("shared").toString(),
                "hipt.model.device", "cpu",
                "hipt.model.registry.poll-interval", "500ms",
                "server.port", "0"));
        properties.putAll(Map.of(
                "hipt.security.api-keys[0].name", "test-admin",
                "hipt.security.api-keys[0].role", "ADMIN",
                "hipt.security.api-keys[0].key-sha256",
                "944650a7cd0f9e14d5c4fb15edbffb7fa45fb9ed36a4fa9be3d7e5476ae51bd9"));
        try (ConfigurableApplicationContext a = start(properties);
             ConfigurableApplicationContext b = start(properties)) {
            CheckpointModelProvider onB = b.getBean(CheckpointModelProvider.class);
            String backboneOnB = onB.models().provenance().modelIds().get("vit256");
            assertThat(backboneOnB).as("B runs the registered, configured backbone").isNotNull();

            RestClient adminOnA = RestClient.builder()
                    .baseUrl("http://localhost:" + a.getEnvironment().getProperty("local.server.port"))
                    .requestInterceptor(OpenApiResponseValidator.instance().interceptor())
                    .defaultHeader("X-API-Key", "test-admin-key").build();
            Path head = work.resolve("survival.pth");
            TorchCheckpointWriter.write(head, SlideAggregator.small(1, 4).randomStateDict(81));
            MultiValueMap<String, Object> parts = new LinkedMultiValueMap<>();
            parts.add("kind", "survival");
            parts.add("file", new ByteArrayResource(Files.readAllBytes(head)) {
                @Override
                public String getFilename() {
                    return "survival.pth";
                }
            });
            String id = JSON.readTree(adminOnA.post().uri("/api/v1/admin/models")
                    .contentType(MediaType.MULTIPART_FORM_DATA).body(parts).retrieve().body(String.class))
                    .path("id").asString();
            assertThat(onB.models().survival()).as("registered, not yet active").isEmpty();

            adminOnA.post().uri("/api/v1/admin/models/" + id + "/activate").retrieve().toBodilessEntity();

            await("replica B swaps to the survival head").atMost(Duration.ofSeconds(5))
                    .pollInterval(Duration.ofMillis(100))
                    .until(() -> id.equals(onB.models().provenance().modelIds().get("survival")));
            assertThat(onB.models().survival()).hasValueSatisfying(h -> assertThat(h.outputs()).isEqualTo(4));
            assertThat(onB.models().provenance().modelIds().get("vit256")).isEqualTo(backboneOnB);
        }
    }

    /** Properties as command-line arguments: above application.yml, as a deployment's environment is. */
    private static ConfigurableApplicationContext start(Map<String, Object> properties) {
        return new SpringApplicationBuilder(HiptApplication.class).run(properties.entrySet().stream()
                .map(e -> "--" + e.getKey() + "=" + e.getValue()).toArray(String[]::new));
    }
}
