package dev.hipt.results;

import static dev.hipt.results.RegionResultsIntegrationTests.floats;
import static dev.hipt.results.RegionResultsIntegrationTests.region;
import static org.assertj.core.api.Assertions.assertThat;

import dev.hipt.ServiceIntegrationTestSupport;
import dev.hipt.slide.SlideTestDoubles;
import java.io.ByteArrayInputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.context.annotation.Import;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatusCode;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.jdbc.core.simple.JdbcClient;

/**
 * The results API and the model actuator entries in the running service over HTTP: real security, the real
 * problem+json handler, springdoc, health groups and info.
 */
@Import(SlideTestDoubles.class)
class ResultsApiIntegrationTests extends ServiceIntegrationTestSupport {

    private static final Provenance PROVENANCE = new Provenance("feedfacecafe", false,
            Map.of("vit256", "1".repeat(64), "vit4k", "2".repeat(64)));

    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    @Autowired
    JdbcClient jdbc;

    @Autowired
    JdbcRegionResults results;

    @Test
    void analysedSlideServesEmbeddingsAndPatchesToAClient() throws Exception {
        UUID slide = analysedSlide(2);

        ResponseEntity<Map> embeddings = client.get().uri("/api/v1/slides/{id}/embeddings", slide)
                .retrieve().toEntity(Map.class);
        assertThat(embeddings.getStatusCode().value()).isEqualTo(200);
        assertThat(embeddings.getBody()).containsKeys("slideId", "provenance", "regions", "slide");
        assertThat((List<?>) embeddings.getBody().get("regions")).hasSize(2);
        assertThat(map(embeddings.getBody().get("provenance")))
                .containsEntry("modelVersion", "feedfacecafe")
                .containsEntry("untrained", false);

        ResponseEntity<byte[]> patches = client.get().uri("/api/v1/slides/{id}/embeddings/patches", slide)
                .retrieve().toEntity(byte[].class);
        assertThat(patches.getHeaders().getContentType()).isEqualTo(MediaType.APPLICATION_OCTET_STREAM);
        assertThat(patches.getHeaders().getFirst(HttpHeaders.CONTENT_DISPOSITION))
                .isEqualTo("attachment; filename=\"" + slide + "-cls256.npy\"");
        Npy.Array array = Npy.read(new ByteArrayInputStream(patches.getBody()));
        assertThat(array.shape()).containsExactly(2, 256, 384);
    }

    /**
     * The Accept headers generated clients send for the .npy download: openapi-generator's Java client (library
     * native) lists the documented types; its Python client sends only the first type that contains "json"
     * ({@code select_header_accept}), here {@code application/problem+json}.
     */
    private static final List<String> CLIENT_ACCEPTS = java.util.Arrays.asList(
            "application/octet-stream, application/problem+json", "application/problem+json", "application/json",
            "*/*", null);

    @Test
    void servesTheNpyToGeneratedClientsWhateverTheyAccept() throws Exception {
        UUID slide = analysedSlide(1);
        for (String accept : CLIENT_ACCEPTS) {
            HttpResponse<byte[]> answer = fetch("/api/v1/slides/" + slide + "/embeddings/patches", accept);

            assertThat(answer.statusCode()).as("Accept: %s", accept).isEqualTo(200);
            assertThat(answer.headers().firstValue("Content-Type")).hasValue("application/octet-stream");
            assertThat(Npy.read(new ByteArrayInputStream(answer.body())).shape()).containsExactly(1, 256, 384);
        }
    }

    @Test
    void answersNpyErrorsToGeneratedClientsAsProblems() throws Exception {
        UUID unanalysed = UUID.randomUUID();
        ResultsTestDatabase.insertSlide(jdbc, unanalysed);
        for (UUID slide : List.of(unanalysed, UUID.randomUUID())) {
            for (String accept : CLIENT_ACCEPTS) {
                String path = "/api/v1/slides/" + slide + "/embeddings/patches";
                HttpResponse<byte[]> answer = fetch(path, accept);

                assertThat(answer.statusCode()).as("Accept: %s", accept).isEqualTo(404);
                String contentType = answer.headers().firstValue("Content-Type").orElse("");
                assertThat(contentType).startsWith("application/problem+json");
                String body = new String(answer.body(), java.nio.charset.StandardCharsets.UTF_8);
                assertThat(body).contains("\"code\":\"RESULTS_NOT_FOUND\"");
                dev.hipt.OpenApiResponseValidator.instance().assertValid("GET", path, 404, contentType, body);
            }
        }
    }

    private HttpResponse<byte[]> fetch(String path, String accept) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(baseUrl() + path))
                .header("X-API-Key", CLIENT_KEY).GET();
        if (accept != null) {
            request.header("Accept", accept);
        }
        return http.send(request.build(), HttpResponse.BodyHandlers.ofByteArray());
    }

    @Test
    void unanalysedSlideIs404ProblemWithCode() {
        UUID slide = UUID.randomUUID();

        ResponseEntity<Map> answer = client.get().uri("/api/v1/slides/{id}/predictions", slide)
                .retrieve().onStatus(HttpStatusCode::isError, (req, res) -> { }).toEntity(Map.class);

        assertThat(answer.getStatusCode().value()).isEqualTo(404);
        assertThat(answer.getHeaders().getContentType()).isEqualTo(MediaType.APPLICATION_PROBLEM_JSON);
        assertThat(answer.getBody()).containsEntry("code", "RESULTS_NOT_FOUND");
    }

    @Test
    void resultsNeedAnApiKey() {
        UUID slide = analysedSlide(1);

        ResponseEntity<String> answer = anonymous.get().uri("/api/v1/slides/{id}/embeddings", slide)
                .retrieve().onStatus(HttpStatusCode::isError, (req, res) -> { }).toEntity(String.class);

        assertThat(answer.getStatusCode().value()).isEqualTo(401);
    }

    @Test
    void readinessIncludesModelsAndInfoShowsTheirState() {
        // health details are for callers with a key (show-details: when-authorized)
        Map<String, Object> readiness = map(client.get().uri("/actuator/health/readiness").retrieve().body(Map.class));
        assertThat(readiness.get("status")).isEqualTo("UP");
        assertThat(map(readiness.get("components"))).containsKeys("models", "db", "storage", "readinessState");
        Map<String, Object> models = map(map(readiness.get("components")).get("models"));
        assertThat(map(models.get("details"))).containsEntry("state", "NOT_CONFIGURED");

        Map<String, Object> liveness = map(anonymous.get().uri("/actuator/health/liveness").retrieve().body(Map.class));
        assertThat(liveness.get("status")).isEqualTo("UP");

        Map<String, Object> info = map(anonymous.get().uri("/actuator/info").retrieve().body(Map.class));
        assertThat(map(info.get("models"))).containsEntry("state", "NOT_CONFIGURED")
                .containsEntry("devicePreference", "auto");
    }

    @Test
    void openApiDocumentsTheResultsEndpointsAndSchemas() {
        String doc = anonymous.get().uri("/v3/api-docs").retrieve().body(String.class);

        assertThat(doc).contains("/api/v1/slides/{id}/embeddings", "/api/v1/slides/{id}/embeddings/patches",
                "/api/v1/slides/{id}/predictions", "/api/v1/slides/{id}/similar", "\"SlideEmbeddings\"",
                "\"SlidePredictions\"", "\"SimilarSlides\"", "\"SimilarSlide\"", "\"RegionEmbeddingView\"",
                "\"ModelProvenance\"", "\"SubtypePredictionView\"", "\"SurvivalPredictionView\"");
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> map(Object json) {
        return (Map<String, Object>) json;
    }

    private UUID analysedSlide(int regions) {
        UUID slide = UUID.randomUUID();
        ResultsTestDatabase.insertSlide(jdbc, slide);
        for (int i = 0; i < regions; i++) {
            results.store(slide, PROVENANCE, region(i, i));
        }
        results.storeSlide(slide, PROVENANCE, new SlideResult(regions, floats(192, 5), null, null));
        return slide;
    }
}
