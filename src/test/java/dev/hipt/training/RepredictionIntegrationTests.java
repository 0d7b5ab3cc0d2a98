package dev.hipt.training;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.hipt.ServiceIntegrationTestSupport;
import dev.hipt.TestSlideImages;
import dev.hipt.TinyCheckpoints;
import dev.hipt.model.SlideAggregator;
import dev.hipt.model.TorchCheckpointWriter;
import dev.hipt.model.VisionTransformer;
import io.micrometer.core.instrument.MeterRegistry;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.core.io.ByteArrayResource;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.test.context.ContextConfiguration;
import org.springframework.test.context.TestPropertySource;
import org.springframework.util.LinkedMultiValueMap;
import org.springframework.util.MultiValueMap;
import org.springframework.web.client.RestClient;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Activating a head at run time and re-predicting an analysed slide from its stored cls256 grids, counted: no
 * region is encoded again. Activating another backbone makes the stored embeddings unusable for predictions.
 */
@TestPropertySource(properties = {"hipt.model.device=cpu", "hipt.model.registry.poll-interval=300ms",
        "hipt.upload.isolate-readers=false"})
@ContextConfiguration(initializers = TinyCheckpoints.Initializer.class)
class RepredictionIntegrationTests extends ServiceIntegrationTestSupport {

    private static final JsonMapper JSON = JsonMapper.builder().build();

    @Autowired
    private MeterRegistry meters;

    @TempDir
    Path tmp;

    @Test
    void anActivatedHeadRepredictsAStoredSlideWithoutEncodingARegion() throws IOException {
        UUID slide = analyse();
        assertCode(send(client.post().uri("/api/v1/slides/" + slide + "/predictions")), 409, "NO_ACTIVE_HEADS");
        double encoded = encodedRegions();
        assertThat(encoded).as("the analysis encoded regions").isPositive();

        String head = register(SlideAggregator.small(1, 2).randomStateDict(71), "subtype", "benign,malignant");
        assertThat(send(admin.post().uri("/api/v1/admin/models/" + head + "/activate")).status()).isEqualTo(200);

        JsonNode repredicted = await("the new head reaches the provider").atMost(Duration.ofSeconds(30))
                .pollInterval(Duration.ofMillis(200))
                .until(() -> send(client.post().uri("/api/v1/slides/" + slide + "/predictions")),
                        answer -> answer.status() == 200).json();

        assertThat(repredicted.path("modelIds").path("subtype").asString()).isEqualTo(head);
        assertThat(repredicted.path("subtype").asBoolean()).isTrue();
        JsonNode predictions = send(client.get().uri("/api/v1/slides/" + slide + "/predictions")).json();
        assertThat(predictions.path("subtype").path("classes").toString()).isEqualTo("[\"benign\",\"malignant\"]");
        assertThat(predictions.path("subtype").path("probabilities").size()).isEqualTo(2);
        assertThat(predictions.path("provenance").path("modelIds").path("subtype").asString()).isEqualTo(head);
        assertThat(predictions.path("provenance").path("modelVersion").asString())
                .isEqualTo(repredicted.path("modelVersion").asString());
        assertThat(encodedRegions()).as("no region encoded again").isEqualTo(encoded);

        JsonNode batch = send(admin.post().uri("/api/v1/admin/predictions").contentType(MediaType.APPLICATION_JSON)
                .body(JSON.writeValueAsString(Map.of("slideIds", List.of(slide, UUID.randomUUID()))))).json();
        assertThat(batch.path("results").get(0).path("outcome").asString()).isEqualTo("PREDICTED");
        assertThat(batch.path("results").get(1).path("outcome").asString()).isEqualTo("NO_EMBEDDINGS");
        assertThat(encodedRegions()).isEqualTo(encoded);

        String backbone = register(VisionTransformer.vit256(1).randomStateDict(72), "vit256", null);
        send(admin.post().uri("/api/v1/admin/models/" + backbone + "/activate"));
        await("the new backbone reaches the provider").atMost(Duration.ofSeconds(30))
                .pollInterval(Duration.ofMillis(200))
                .until(() -> send(client.post().uri("/api/v1/slides/" + slide + "/predictions")),
                        answer -> answer.status() == 409
                                && answer.json().path("code").asString().equals("BACKBONE_NOT_ACTIVE"));
    }

    private UUID analyse() {
        MultiValueMap<String, Object> parts = new LinkedMultiValueMap<>();
        parts.add("mpp", "0.5");
        parts.add("file", named(TestSlideImages.tissue(1), "tissue.png"));
        Answer upload = send(client.post().uri("/api/v1/slides").contentType(MediaType.MULTIPART_FORM_DATA)
                .body(parts));
        assertThat(upload.status()).as(upload.text()).isEqualTo(202);
        String job = upload.json().path("job").path("id").asString();
        await("the analysis").atMost(Duration.ofSeconds(180)).pollInterval(Duration.ofMillis(500))
                .until(() -> send(client.get().uri("/api/v1/jobs/" + job)).json().path("status").asString(),
                        status -> {
                            assertThat(status).isNotIn("FAILED", "CANCELLED");
                            return status.equals("SUCCEEDED");
                        });
        return UUID.fromString(upload.json().path("slide").path("id").asString());
    }

    private double encodedRegions() {
        return meters.get("hipt.regions.processed").counter().count();
    }

    private String register(dev.hipt.model.StateDict weights, String kind, String classes) throws IOException {
        Path file = Files.createTempFile(tmp, "model-", ".pth");
        TorchCheckpointWriter.write(file, weights);
        MultiValueMap<String, Object> parts = new LinkedMultiValueMap<>();
        parts.add("kind", kind);
        if (classes != null) {
            parts.add("classes", classes);
        }
        parts.add("file", named(Files.readAllBytes(file), kind + ".pth"));
        Answer answer = send(admin.post().uri("/api/v1/admin/models").contentType(MediaType.MULTIPART_FORM_DATA)
                .body(parts));
        assertThat(answer.status()).as(answer.text()).isEqualTo(201);
        return answer.json().path("id").asString();
    }

    private static ByteArrayResource named(byte[] bytes, String filename) {
        return new ByteArrayResource(bytes) {
            @Override
            public String getFilename() {
                return filename;
            }
        };
    }

    private static void assertCode(Answer answer, int status, String code) {
        assertThat(answer.status()).as(answer.text()).isEqualTo(status);
        assertThat(answer.json().path("code").asString()).isEqualTo(code);
    }

    private static Answer send(RestClient.RequestHeadersSpec<?> request) {
        ResponseEntity<String> response = request.retrieve().onStatus(status -> true, (req, res) -> { })
                .toEntity(String.class);
        return new Answer(response.getStatusCode().value(), response.getBody());
    }

    private record Answer(int status, String text) {
        JsonNode json() {
            return JSON.readTree(text == null ? "null" : text);
        }
    }
}
