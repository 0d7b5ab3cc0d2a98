package dev.hipt;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;
import static org.awaitility.Awaitility.await;

import dev.hipt.client.api.JobsApi;
import dev.hipt.client.api.ResultsApi;
import dev.hipt.client.api.SlidesApi;
import dev.hipt.client.invoker.ApiClient;
import dev.hipt.client.invoker.ApiException;
import dev.hipt.client.model.JobView;
import dev.hipt.client.model.ModelProvenance;
import dev.hipt.client.model.RegionEmbeddingView;
import dev.hipt.client.model.SlideEmbeddings;
import dev.hipt.client.model.SlidePredictions;
import dev.hipt.client.model.SlideUploadResponse;
import dev.hipt.client.model.SlideView;
import dev.hipt.results.Npy;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIf;
import org.springframework.test.context.TestPropertySource;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The whole service as a LIMS integration sees it: real HTTP, PostgreSQL, the shared fixture checkpoints (HIPT with
 * 2 + 2 blocks, both slide heads), and only the Java client generated from the service's own OpenAPI document
 * ({@code src/test/openapi/hipt-api-v1.json}, kept equal to the live one by
 * {@link OpenApiContractIntegrationTests}). It uploads the real fixture slide, follows the job and reads embeddings,
 * the cls256 {@code .npy} and predictions, which must equal what the official HIPT code computed for the slide's one
 * region (max |diff| <= 1e-4 and cosine >= 0.99999), with the fixture checkpoints' sha256s as provenance. The same
 * answers, read as raw JSON, must match the OpenAPI document ({@link OpenApiResponseValidator}).
 */
@EnabledIf(value = "fixturesPresent", disabledReason = "Fixture slide fixtures/slides/small_HE.svs (hipt.shared.dir)"
        + " or the HIPT reference fixtures (hipt.reference.dir) absent: skipping the end-to-end test")
@UsePostgres
@TestPropertySource(properties = {
        "hipt.model.vit256-checkpoint=${hipt.reference.dir:../shared/fixtures/hipt-reference}/vit256.pth",
        "hipt.model.vit4k-checkpoint=${hipt.reference.dir:../shared/fixtures/hipt-reference}/vit4k.pth",
        "hipt.model.subtype-checkpoint=${hipt.reference.dir:../shared/fixtures/hipt-reference}/slide_subtype.pt",
        "hipt.model.subtype-classes=A,B,C",
        "hipt.model.survival-checkpoint=${hipt.reference.dir:../shared/fixtures/hipt-reference}/slide_survival.pt",
        "hipt.model.device=cpu",
        // the reference contract (1e-4) is float32's; the compiled path (the default) runs it
        "hipt.model.precision=fp32",
        "hipt.job.polling-interval=200ms"})
class EndToEndIntegrationTests extends ServiceIntegrationTestSupport {

    private static final double MAX_ABS_DIFF = 1e-4;
    private static final double MIN_COSINE = 0.99999;
    private static final Path REFERENCE = Path.of(System.getProperty("hipt.reference.dir",
            "../shared/fixtures/hipt-reference"));
    private static final Path SLIDE = Path.of(System.getProperty("hipt.shared.dir", "../shared"))
            .resolve("fixtures/slides/small_HE.svs");
    /** Provenance role (as the service names it) to the checkpoint's file in the fixtures. */
    private static final Map<String, String> CHECKPOINTS = Map.of("vit256", "vit256.pth", "vit4k", "vit4k.pth",
            "subtype", "slide_subtype.pt", "survival", "slide_survival.pt");

    private SlidesApi slides;
    private JobsApi jobs;
    private ResultsApi results;

    /** Whether the fixture slide and the HIPT reference fixtures are there (checked before Spring starts). */
    static boolean fixturesPresent() {
        return Files.isRegularFile(SLIDE) && Files.isRegularFile(REFERENCE.resolve("manifest.json"))
                && CHECKPOINTS.values().stream().allMatch(name -> Files.isRegularFile(REFERENCE.resolve(name)));
    }

    @BeforeEach
    void generatedClient() {
        ApiClient api = generatedClient(CLIENT_KEY);
        slides = new SlidesApi(api);
        jobs = new JobsApi(api);
        results = new ResultsApi(api);
    }

    @Test
    void analysesTheFixtureSlideAsTheOfficialHiptCodeDoes() throws Exception {
        SlideUploadResponse upload = slides.uploadSlide(SLIDE.toFile(), null, "E2E-0001", null, null, null);

        SlideView slide = upload.getSlide();
        assertThat(slide.getFilename()).isEqualTo("small_HE.svs");
        assertThat(slide.getExternalId()).isEqualTo("E2E-0001");
        assertThat(List.of(slide.getWidth(), slide.getHeight())).containsExactly(2220L, 2967L);
        assertThat(slide.getSha256()).isEqualTo(sha256(SLIDE));
        assertThat(upload.getJob()).as("a new analysis is queued").isNotNull();
        UUID jobId = upload.getJob().getId();

        JobView done = await().atMost(Duration.ofMinutes(5)).pollInterval(Duration.ofMillis(500))
                .until(() -> jobs.getJob(jobId), job -> job.getStatus() == JobView.StatusEnum.SUCCEEDED
                        || job.getStatus() == JobView.StatusEnum.FAILED
                        || job.getStatus() == JobView.StatusEnum.CANCELLED);
        assertThat(done.getStatus()).as("job %s", done).isEqualTo(JobView.StatusEnum.SUCCEEDED);
        assertThat(List.of(done.getProgress().getDone(), done.getProgress().getTotal())).containsExactly(1, 1);
        assertThat(slides.getSlide(slide.getId()).getStatus()).isEqualTo(SlideView.StatusEnum.ANALYSED);

        SlideEmbeddings embeddings = results.getEmbeddings(slide.getId());
        assertThat(embeddings.getRegions()).hasSize(1);
        RegionEmbeddingView region = embeddings.getRegions().get(0);
        assertThat(List.of(region.getX(), region.getY(), region.getWidth(), region.getHeight()))
                .containsExactly(0L, 0L, 4096L, 4096L);
        assertThat(region.getTissueFraction()).isPositive();
        assertClose("cls4k", floats(region.getCls4k()), reference("region4096_cls4k.npy"));
        assertClose("mean256", floats(region.getMean256()), reference("region4096_mean256.npy"));
        assertThat(embeddings.getSlide().getRegions()).isEqualTo(1);
        assertClose("slide mean cls4k", floats(embeddings.getSlide().getMeanCls4k()),
                reference("region4096_cls4k.npy"));
        assertFixtureProvenance(embeddings.getProvenance());

        File patches = results.getPatchEmbeddings(slide.getId());
        Npy.Array cls256;
        try (InputStream in = Files.newInputStream(patches.toPath())) {
            cls256 = Npy.read(in);
        } finally {
            Files.deleteIfExists(patches.toPath());
        }
        assertThat(cls256.shape()).containsExactly(1, 256, 384);
        assertClose("cls256", cls256.data(), reference("region4096_cls256.npy"));

        SlidePredictions predictions = results.getPredictions(slide.getId());
        float[] subtypeLogits = reference("region4096_slide_subtype_logits.npy");
        assertThat(predictions.getSubtype().getClasses()).containsExactly("A", "B", "C");
        assertClose("subtype logits", floats(predictions.getSubtype().getLogits()), subtypeLogits);
        assertClose("subtype probabilities", floats(predictions.getSubtype().getProbabilities()),
                softmax(subtypeLogits));
        assertThat(predictions.getSubtype().getLabel()).as("the class of the reference's largest logit")
                .isEqualTo(List.of("A", "B", "C").get(argmax(subtypeLogits)));
        float[] survivalLogits = reference("region4096_slide_survival_logits.npy");
        assertClose("survival logits", floats(predictions.getSurvival().getLogits()), survivalLogits);
        Survival expected = survivalFromReferenceLogits(survivalLogits);
        assertClose("survival hazards", floats(predictions.getSurvival().getHazards()), expected.hazards());
        assertClose("survival curve", floats(predictions.getSurvival().getSurvival()), expected.curve());
        assertThat(predictions.getSurvival().getRisk()).as("survival risk")
                .isCloseTo(expected.risk(), org.assertj.core.data.Offset.offset(MAX_ABS_DIFF));
        assertFixtureProvenance(predictions.getProvenance());

        // The same answers as raw JSON, checked against the OpenAPI document by the validating client.
        for (String path : List.of("/api/v1/slides/" + slide.getId(), "/api/v1/slides?page=0&size=5",
                "/api/v1/jobs/" + jobId, "/api/v1/slides/" + slide.getId() + "/embeddings",
                "/api/v1/slides/" + slide.getId() + "/predictions", "/api/v1/slides/" + slide.getId() + "/similar")) {
            assertThat(client.get().uri(path).retrieve().toBodilessEntity().getStatusCode().value()).as(path)
                    .isEqualTo(200);
        }
    }

    /** HIPT's discrete-time survival outputs of a slide. */
    private record Survival(float[] hazards, float[] curve, double risk) {
    }

    /**
     * HIPT's survival outputs for the service's slide: the reference stores hazards, curve and risk only for its
     * three-region slide ({@code slide_x256}), so HIPT's formula (hazards = sigmoid(logits), S = cumprod(1 - h),
     * risk = -sum(S)) is first checked to reproduce those values from that slide's logits, then applied to the
     * reference logits of this slide's one region.
     */
    private static Survival survivalFromReferenceLogits(float[] logits) throws IOException {
        Survival slideX256 = survival(reference("slide_survival_logits.npy"));
        assertClose("reference hazards", slideX256.hazards(), reference("slide_survival_hazards.npy"));
        assertClose("reference curve", slideX256.curve(), reference("slide_survival_curve.npy"));
        JsonNode manifest = JsonMapper.builder().build().readTree(REFERENCE.resolve("manifest.json").toFile());
        assertThat(slideX256.risk()).as("reference risk").isCloseTo(
                manifest.path("outputs").path("slide_survival_risk").path("value").asDouble(),
                org.assertj.core.data.Offset.offset(1e-6));
        return survival(logits);
    }

    private static Survival survival(float[] logits) {
        float[] hazards = new float[logits.length];
        float[] curve = new float[logits.length];
        double s = 1;
        double risk = 0;
        for (int k = 0; k < logits.length; k++) {
            hazards[k] = (float) (1 / (1 + Math.exp(-logits[k])));
            s *= 1 - hazards[k];
            curve[k] = (float) s;
            risk -= s;
        }
        return new Survival(hazards, curve, risk);
    }

    private static float[] softmax(float[] logits) {
        double max = Double.NEGATIVE_INFINITY;
        for (float v : logits) {
            max = Math.max(max, v);
        }
        double sum = 0;
        double[] e = new double[logits.length];
        for (int i = 0; i < logits.length; i++) {
            e[i] = Math.exp(logits[i] - max);
            sum += e[i];
        }
        float[] out = new float[logits.length];
        for (int i = 0; i < logits.length; i++) {
            out[i] = (float) (e[i] / sum);
        }
        return out;
    }

    private static int argmax(float[] values) {
        int best = 0;
        for (int i = 1; i < values.length; i++) {
            if (values[i] > values[best]) {
                best = i;
            }
        }
        return best;
    }

    @Test
    void generatedClientWithoutKeyIsRefused() {
        SlidesApi anonymousSlides = new SlidesApi(generatedClient(null));

        assertThatExceptionOfType(ApiException.class).isThrownBy(() -> anonymousSlides.listSlides(0, 1))
                .satisfies(e -> assertThat(e.getCode()).isEqualTo(401))
                .satisfies(e -> assertThat(e.getResponseBody()).contains("UNAUTHORIZED"));
    }

    /** The generated client pointed at this test's server, sending {@code key} (if any) as {@code X-API-Key}. */
    private ApiClient generatedClient(String key) {
        ApiClient api = new ApiClient();
        api.updateBaseUri(baseUrl());
        api.setReadTimeout(Duration.ofMinutes(1));
        if (key != null) {
            api.setRequestInterceptor(request -> request.header("X-API-Key", key));
        }
        return api;
    }

    private static void assertFixtureProvenance(ModelProvenance provenance) throws IOException {
        JsonNode manifest = JsonMapper.builder().build().readTree(REFERENCE.resolve("manifest.json").toFile());
        assertThat(provenance.getUntrained()).isFalse();
        assertThat(provenance.getModelVersion()).isNotBlank();
        assertThat(provenance.getPrecision()).as("precision in provenance").isEqualTo("fp32");
        assertThat(provenance.getCheckpoints()).containsOnlyKeys(CHECKPOINTS.keySet());
        CHECKPOINTS.forEach((role, file) -> assertThat(provenance.getCheckpoints().get(role)).as(role)
                .isEqualTo(manifest.path("checkpoints").path(file).path("sha256").asString()));
    }

    private static void assertClose(String what, float[] actual, float[] expected) {
        assertThat(actual).as(what).hasSameSizeAs(expected);
        double max = 0;
        double dot = 0;
        double a2 = 0;
        double e2 = 0;
        for (int i = 0; i < actual.length; i++) {
            max = Math.max(max, Math.abs(actual[i] - expected[i]));
            dot += (double) actual[i] * expected[i];
            a2 += (double) actual[i] * actual[i];
            e2 += (double) expected[i] * expected[i];
        }
        assertThat(max).as("%s: max |diff|", what).isLessThanOrEqualTo(MAX_ABS_DIFF);
        assertThat(dot / Math.sqrt(a2 * e2)).as("%s: cosine similarity", what).isGreaterThanOrEqualTo(MIN_COSINE);
    }

    private static float[] reference(String name) throws IOException {
        try (InputStream in = Files.newInputStream(REFERENCE.resolve(name))) {
            return Npy.read(in).data();
        }
    }

    private static float[] floats(List<Float> values) {
        assertThat(values).doesNotContainNull();
        float[] out = new float[values.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = values.get(i);
        }
        return out;
    }

    private static String sha256(Path file) throws IOException {
        try (InputStream in = Files.newInputStream(file)) {
            java.security.MessageDigest digest = java.security.MessageDigest.getInstance("SHA-256");
            byte[] buffer = new byte[1 << 16];
            for (int n; (n = in.read(buffer)) > 0; ) {
                digest.update(buffer, 0, n);
            }
            return java.util.HexFormat.of().formatHex(digest.digest());
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
