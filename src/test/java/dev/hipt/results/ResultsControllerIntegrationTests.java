package dev.hipt.results;

import static dev.hipt.results.RegionResultsIntegrationTests.floats;
import static dev.hipt.results.RegionResultsIntegrationTests.region;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.closeTo;
import static org.hamcrest.Matchers.contains;
import static org.hamcrest.Matchers.hasSize;
import static org.hamcrest.Matchers.nullValue;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.get;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.content;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.header;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.jsonPath;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.status;

import dev.hipt.OpenApiResponseValidator;
import dev.hipt.model.SubtypePrediction;
import dev.hipt.model.SurvivalPrediction;
import dev.hipt.system.ApiException;
import java.io.ByteArrayInputStream;
import java.nio.file.Path;
import java.time.OffsetDateTime;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import javax.sql.DataSource;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.beans.factory.support.StaticListableBeanFactory;
import org.springframework.http.MediaType;
import org.springframework.http.ProblemDetail;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.bind.annotation.RestControllerAdvice;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.test.web.servlet.MockMvc;
import org.springframework.test.web.servlet.MvcResult;
import org.springframework.test.web.servlet.setup.MockMvcBuilders;

/**
 * The results endpoints over a real (H2) database and blob directory: JSON shapes, the .npy download, 404s. Every
 * answer is checked against the OpenAPI document ({@link OpenApiResponseValidator}).
 */
class ResultsControllerIntegrationTests {

    private static final Provenance TRAINED = new Provenance("aaaaaaaaaaaa", false,
            Map.of("vit256", "1".repeat(64), "vit4k", "2".repeat(64), "subtype", "3".repeat(64),
                    "survival", "4".repeat(64)));
    private static final Provenance DEMO = new Provenance("demo-42", true, Map.of());

    private static DataSource dataSource;

    private JdbcClient jdbc;
    private JdbcRegionResults results;
    private MockMvc mvc;
    private UUID slide;
    /** The model version {@link ActiveBackbone} answers; null: no backbone is active. */
    private volatile String activeBackbone;

    @BeforeAll
    static void database() {
        dataSource = ResultsTestDatabase.h2();
        ResultsTestDatabase.migrate(dataSource);
    }

    @BeforeEach
    void setUp(@TempDir Path blobRoot) {
        jdbc = JdbcClient.create(dataSource);
        jdbc.sql("DELETE FROM region_embedding").update();
        jdbc.sql("DELETE FROM slide_result").update();
        results = new JdbcRegionResults(jdbc, new TempDirBlobStore(blobRoot));
        activeBackbone = null;
        StaticListableBeanFactory beans = new StaticListableBeanFactory();
        beans.addBean("activeBackbone", (ActiveBackbone) () -> Optional.ofNullable(activeBackbone));
        mvc = MockMvcBuilders.standaloneSetup(new ResultsController(new ResultsService(results,
                beans.getBeanProvider(KnnSubtyping.class), beans.getBeanProvider(ActiveBackbone.class))))
                .setControllerAdvice(new ApiExceptionAdvice())
                .alwaysDo(result -> OpenApiResponseValidator.instance().assertValid(result.getRequest().getMethod(),
                        result.getRequest().getRequestURI(), result.getResponse().getStatus(),
                        result.getResponse().getContentType(),
                        result.getResponse().getContentAsString(java.nio.charset.StandardCharsets.UTF_8)))
                .build();
        slide = newSlide();
    }

    @Test
    void embeddingsListRegionsInIndexOrderWithProvenanceAndSlideVector() throws Exception {
        analyse(slide, TRAINED, 3, null, null);

        mvc.perform(get("/api/v1/slides/{id}/embeddings", slide))
                .andExpect(status().isOk())
                .andExpect(content().contentTypeCompatibleWith(MediaType.APPLICATION_JSON))
                .andExpect(jsonPath("$.slideId").value(slide.toString()))
                .andExpect(jsonPath("$.provenance.modelVersion").value("aaaaaaaaaaaa"))
                .andExpect(jsonPath("$.provenance.untrained").value(false))
                .andExpect(jsonPath("$.provenance.checkpoints.vit256").value("1".repeat(64)))
                .andExpect(jsonPath("$.regions", hasSize(3)))
                .andExpect(jsonPath("$.regions[*].index", contains(0, 1, 2)))
                .andExpect(jsonPath("$.regions[1].x").value(4096))
                .andExpect(jsonPath("$.regions[1].width").value(4096))
                .andExpect(jsonPath("$.regions[1].tissueFraction").value(0.26))
                .andExpect(jsonPath("$.regions[1].cls4k", hasSize(192)))
                .andExpect(jsonPath("$.regions[1].cls4k[0]").value(closeTo(region(1, 2).cls4k()[0], 1e-6)))
                .andExpect(jsonPath("$.regions[1].mean256", hasSize(384)))
                .andExpect(jsonPath("$.regions[0].cls256").doesNotExist())
                .andExpect(jsonPath("$.slide.regions").value(3))
                .andExpect(jsonPath("$.slide.meanCls4k", hasSize(192)));
    }

    @Test
    void servesTheNewestAnalysisWhenTheSlideWasAnalysedByTwoModelVersions() throws Exception {
        analyse(slide, DEMO, 1, null, null);
        jdbc.sql("UPDATE slide_result SET created_at = ? WHERE slide_id = ?")
                .params(OffsetDateTime.now().minusDays(1), slide).update();
        analyse(slide, TRAINED, 2, null, null);

        mvc.perform(get("/api/v1/slides/{id}/embeddings", slide))
                .andExpect(jsonPath("$.provenance.modelVersion").value("aaaaaaaaaaaa"))
                .andExpect(jsonPath("$.regions", hasSize(2)));
    }

    @Test
    void predictionsCarryBothHeadsAndProvenance() throws Exception {
        SubtypePrediction subtype = new SubtypePrediction(List.of("IDC", "ILC", "other"),
                new float[] {2f, 0.5f, -1f}, new float[] {0.79f, 0.18f, 0.03f}, "IDC");
        SurvivalPrediction survival = new SurvivalPrediction(new float[] {-1f, 0f, 1f, 2f},
                new float[] {0.27f, 0.5f, 0.73f, 0.88f}, new float[] {0.73f, 0.36f, 0.1f, 0.01f}, -1.2);
        analyse(slide, TRAINED, 2, subtype, survival);

        mvc.perform(get("/api/v1/slides/{id}/predictions", slide))
                .andExpect(status().isOk())
                .andExpect(jsonPath("$.slideId").value(slide.toString()))
                .andExpect(jsonPath("$.subtype.classes", contains("IDC", "ILC", "other")))
                .andExpect(jsonPath("$.subtype.logits", hasSize(3)))
                .andExpect(jsonPath("$.subtype.probabilities[0]").value(closeTo(0.79, 1e-6)))
                .andExpect(jsonPath("$.subtype.label").value("IDC"))
                .andExpect(jsonPath("$.survival.logits", hasSize(4)))
                .andExpect(jsonPath("$.survival.hazards[3]").value(closeTo(0.88, 1e-6)))
                .andExpect(jsonPath("$.survival.survival[1]").value(closeTo(0.36, 1e-6)))
                .andExpect(jsonPath("$.survival.risk").value(-1.2))
                .andExpect(jsonPath("$.note").value(nullValue()))
                .andExpect(jsonPath("$.provenance.checkpoints.subtype").value("3".repeat(64)));
    }

    @Test
    void embeddingsAndPredictionsSayWhetherTheirBackboneIsTheActiveOne() throws Exception {
        SubtypePrediction subtype = new SubtypePrediction(List.of("IDC", "ILC"), new float[] {1f, 0f},
                new float[] {0.73f, 0.27f}, "IDC");
        analyse(slide, TRAINED, 1, subtype, null);
        mvc.perform(get("/api/v1/slides/{id}/embeddings", slide))
                .andExpect(jsonPath("$.provenance.backboneActive").value(nullValue()))
                .andExpect(jsonPath("$.provenance.activeModelVersion").value(nullValue()));

        activeBackbone = "aaaaaaaaaaaa";
        mvc.perform(get("/api/v1/slides/{id}/embeddings", slide))
                .andExpect(jsonPath("$.provenance.backboneActive").value(true))
                .andExpect(jsonPath("$.provenance.activeModelVersion").value("aaaaaaaaaaaa"));

        activeBackbone = "bbbbbbbbbbbb";
        mvc.perform(get("/api/v1/slides/{id}/embeddings", slide))
                .andExpect(jsonPath("$.provenance.modelVersion").value("aaaaaaaaaaaa"))
                .andExpect(jsonPath("$.provenance.backboneActive").value(false))
                .andExpect(jsonPath("$.provenance.activeModelVersion").value("bbbbbbbbbbbb"))
                .andExpect(jsonPath("$.regions", hasSize(1)));
        mvc.perform(get("/api/v1/slides/{id}/predictions", slide))
                .andExpect(status().isOk())
                .andExpect(jsonPath("$.subtype.label").value("IDC"))
                .andExpect(jsonPath("$.provenance.backboneActive").value(false))
                .andExpect(jsonPath("$.note").value(org.hamcrest.Matchers.allOf(
                        org.hamcrest.Matchers.containsString("backbone aaaaaaaaaaaa, which is no longer active"),
                        org.hamcrest.Matchers.containsString("reanalyse=true"),
                        org.hamcrest.Matchers.containsString("No survival head"))));
    }

    @Test
    void predictionsOfDemoWeightsAreNullWithANote() throws Exception {
        analyse(slide, DEMO, 1, null, null);

        mvc.perform(get("/api/v1/slides/{id}/predictions", slide))
                .andExpect(status().isOk())
                .andExpect(jsonPath("$.subtype").value(nullValue()))
                .andExpect(jsonPath("$.survival").value(nullValue()))
                .andExpect(jsonPath("$.note").value(org.hamcrest.Matchers.containsString("demo-random-weights")))
                .andExpect(jsonPath("$.provenance.untrained").value(true));
    }

    @Test
    void predictionsWithoutHeadsNameThePropertiesToSet() throws Exception {
        analyse(slide, TRAINED, 1, null, null);

        mvc.perform(get("/api/v1/slides/{id}/predictions", slide))
                .andExpect(status().isOk())
                .andExpect(jsonPath("$.subtype").value(nullValue()))
                .andExpect(jsonPath("$.note").value(org.hamcrest.Matchers.containsString(
                        "hipt.model.subtype-checkpoint")));
    }

    @Test
    void slidesWithoutResultsAnswer404ProblemWithCode() throws Exception {
        for (String path : List.of("/embeddings", "/embeddings/patches", "/predictions", "/similar")) {
            mvc.perform(get("/api/v1/slides/{id}" + path, slide))
                    .andExpect(status().isNotFound())
                    .andExpect(content().contentTypeCompatibleWith(MediaType.APPLICATION_PROBLEM_JSON))
                    .andExpect(jsonPath("$.code").value("RESULTS_NOT_FOUND"))
                    .andExpect(jsonPath("$.status").value(404))
                    .andExpect(jsonPath("$.detail").value(org.hamcrest.Matchers.containsString(slide.toString())));
        }
    }

    @Test
    void patchesDownloadIsOneNpyOfAllRegionsInEmbeddingsOrder() throws Exception {
        analyse(slide, TRAINED, 3, null, null);

        MvcResult result = mvc.perform(get("/api/v1/slides/{id}/embeddings/patches", slide))
                .andExpect(status().isOk())
                .andExpect(content().contentType(MediaType.APPLICATION_OCTET_STREAM))
                .andExpect(header().string("Content-Disposition",
                        "attachment; filename=\"" + slide + "-cls256.npy\""))
                .andReturn();

        byte[] body = result.getResponse().getContentAsByteArray();
        assertThat(result.getResponse().getHeader("Content-Length")).isEqualTo(Integer.toString(body.length));
        Npy.Array array = Npy.read(new ByteArrayInputStream(body));
        assertThat(array.shape()).containsExactly(3, 256, 384);
        int grid = 256 * 384;
        for (int i = 0; i < 3; i++) {
            float[] expected = region(i, i + 1).cls256();
            assertThat(java.util.Arrays.copyOfRange(array.data(), i * grid, (i + 1) * grid)).isEqualTo(expected);
        }
    }

    @Test
    void similarRanksSlidesOfTheSameModelVersionByCosine() throws Exception {
        float[] query = floats(192, 7);
        storeSlideVector(slide, TRAINED, query);
        UUID near = newSlide();
        UUID far = newSlide();
        UUID opposite = newSlide();
        UUID otherVersion = newSlide();
        storeSlideVector(near, TRAINED, plus(query, floats(192, 8), 0.1f));
        storeSlideVector(far, TRAINED, plus(query, floats(192, 9), 3f));
        storeSlideVector(opposite, TRAINED, plus(new float[192], query, -1f));
        storeSlideVector(otherVersion, DEMO, query);

        mvc.perform(get("/api/v1/slides/{id}/similar", slide).param("k", "2"))
                .andExpect(status().isOk())
                .andExpect(jsonPath("$.slideId").value(slide.toString()))
                .andExpect(jsonPath("$.modelVersion").value("aaaaaaaaaaaa"))
                .andExpect(jsonPath("$.similar[*].slideId", contains(near.toString(), far.toString())))
                .andExpect(jsonPath("$.similar[0].cosine").value(closeTo(0.995, 0.005)));
        mvc.perform(get("/api/v1/slides/{id}/similar", slide))
                .andExpect(jsonPath("$.similar", hasSize(3)))
                .andExpect(jsonPath("$.similar[2].slideId").value(opposite.toString()))
                .andExpect(jsonPath("$.similar[2].cosine").value(closeTo(-1.0, 1e-6)));
    }

    @Test
    void similarRefusesKOutsideItsRange() throws Exception {
        analyse(slide, TRAINED, 1, null, null);
        for (String k : List.of("0", "101")) {
            mvc.perform(get("/api/v1/slides/{id}/similar", slide).param("k", k))
                    .andExpect(status().isBadRequest())
                    .andExpect(jsonPath("$.code").value("VALIDATION_FAILED"));
        }
    }

    /**
     * Stands in for the system feature's package-private problem handler in this standalone slice; the real one is
     * exercised by {@code ResultsApiIntegrationTests}.
     */
    @RestControllerAdvice
    static class ApiExceptionAdvice {

        @ExceptionHandler(ApiException.class)
        ResponseEntity<ProblemDetail> handle(ApiException e) {
            ProblemDetail problem = ProblemDetail.forStatusAndDetail(e.status(), e.getMessage());
            problem.setProperty("code", e.code());
            return ResponseEntity.status(e.status()).contentType(MediaType.APPLICATION_PROBLEM_JSON).body(problem);
        }
    }

    private UUID newSlide() {
        UUID id = UUID.randomUUID();
        ResultsTestDatabase.insertSlide(jdbc, id);
        return id;
    }

    private void analyse(UUID slideId, Provenance provenance, int regions, SubtypePrediction subtype,
                         SurvivalPrediction survival) {
        for (int i = regions - 1; i >= 0; i--) {
            results.store(slideId, provenance, region(i, i + 1));
        }
        results.storeSlide(slideId, provenance, new SlideResult(regions, floats(192, 99), subtype, survival));
    }

    private void storeSlideVector(UUID slideId, Provenance provenance, float[] meanCls4k) {
        results.storeSlide(slideId, provenance, new SlideResult(1, meanCls4k, null, null));
    }

    private static float[] plus(float[] a, float[] b, float scale) {
        float[] out = new float[a.length];
        for (int i = 0; i < a.length; i++) {
            out[i] = a[i] + scale * b[i];
        }
        return out;
    }
}
