package dev.hipt;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.hipt.model.CheckpointReader;
import dev.hipt.model.Safetensors;
import dev.hipt.model.StateDict;
import dev.hipt.model.VisionTransformer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.springframework.http.HttpStatusCode;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.test.context.ContextConfiguration;
import org.springframework.test.context.TestPropertySource;

/**
 * DINO pretraining through the admin API on the running service (real HTTP, H2, the blob store, the analysis job
 * engine, the model registry): tiny settings (one-block ViTs, 32 px global and 16 px local views in stage 1, the
 * official 14 and 6 cells in stage 2, output dimension 32) so that a job runs in seconds.
 */
@TestPropertySource(properties = {
        "hipt.model.device=cpu",
        "hipt.job.polling-interval=100ms",
        "hipt.pretraining.yield-delay=200ms",
        "hipt.upload.isolate-readers=false"})
@ContextConfiguration(initializers = TinyCheckpoints.Initializer.class)
class PretrainingIntegrationTests extends ServiceIntegrationTestSupport {

    private static final Duration JOB_LIMIT = Duration.ofSeconds(120);
    /** Iterations no test waits for: such a job is cancelled. */
    private static final int ENDLESS = 1_000_000;
    /** Stand for a stored slide and the registered ViT-4K in the bad requests; replaced by the real ids. */
    private static final UUID STORED = new UUID(0, 1);
    private static final UUID VIT4K = new UUID(0, 4);

    @TempDir
    Path tmp;
    private static UUID storedSlide;

    @Test
    void aStage1JobTrainsAViT256ThatTheServiceThenAnalysesWith() throws Exception {
        UUID a = analysedSlide(TestSlideImages.tissue(101));
        UUID b = analysedSlide(TestSlideImages.tissue(102));

        Map<String, Object> created = post("/api/v1/admin/pretraining-jobs", tiny(1, List.of(a, b), 4), 202);
        UUID job = UUID.fromString((String) created.get("id"));
        assertThat(created.get("status")).isIn("QUEUED", "RUNNING");

        Map<String, Object> done = awaitEnd(job);
        assertThat(done.get("status")).as("job %s", done).isEqualTo("SUCCEEDED");
        assertThat(map(done.get("progress"))).containsEntry("iteration", 4).containsEntry("totalIterations", 4);
        List<Map<String, Object>> losses = list(done.get("lossHistory"));
        assertThat(losses).extracting(l -> l.get("iteration")).containsExactly(1, 2, 3, 4);
        assertThat(losses).allSatisfy(l -> assertThat(((Number) l.get("loss")).doubleValue()).isPositive());
        assertThat(done.get("checkpointIteration")).isEqualTo(4);
        UUID model = UUID.fromString((String) done.get("modelId"));

        // the registered checkpoint is the official DINO layout: its teacher backbone loads as a ViT-256
        byte[] pth = admin.get().uri("/api/v1/admin/models/{id}/checkpoint", model).retrieve().body(byte[].class);
        Path file = Files.write(tmp.resolve("dino.pth"), pth);
        StateDict teacher = CheckpointReader.read(file, "teacher");
        assertThat(teacher.keys()).contains("patch_embed.proj.weight", "blocks.0.attn.qkv.weight", "pos_embed");
        assertThat(CheckpointReader.read(file, "student").keys()).contains("patch_embed.proj.weight");
        assertThat(CheckpointReader.read(file).countIndexed("blocks.")).isEqualTo(1);

        Map<String, Object> registered = get("/api/v1/admin/models/" + model);
        assertThat(registered).containsEntry("kind", "vit256").containsEntry("source", "pretraining-job:" + job);

        // activated, it is the ViT-256 the service analyses with (every replica picks it up within seconds)
        post("/api/v1/admin/models/" + model + "/activate", null, 200);
        int[] n = {300};
        Map<String, Object> provenance = await("an analysis made with the pretrained ViT-256").atMost(JOB_LIMIT)
                .pollInterval(Duration.ofMillis(500))
                .until(() -> provenanceOf(analysedSlide(TestSlideImages.tissue(n[0]++))),
                        p -> model.toString().equals(map(p.get("modelIds")).get("vit256")));
        assertThat(map(provenance.get("checkpoints"))).containsEntry("vit256", registered.get("sha256"));
    }

    /**
     * Analyses first: with one worker, an analysis queued while a (practically endless) pretraining job runs can only
     * finish because the job hands the worker back between iterations; once the analysis queue is empty the job takes
     * the worker again and goes on from its checkpoint.
     */
    @Test
    void anAnalysisQueuedWhilePretrainingRunsFinishesFirstThenPretrainingTakesTheDeviceBack() {
        UUID job = startEndlessJob(storedSlide());
        awaitIteration(job, 1);

        analysedSlide(TestSlideImages.tissue(112));

        Map<String, Object> afterAnalysis = get("/api/v1/admin/pretraining-jobs/" + job);
        assertThat(afterAnalysis.get("status")).as("the pretraining job when the analysis succeeded")
                .isIn("QUEUED", "RUNNING");
        int iteration = (Integer) map(afterAnalysis.get("progress")).get("iteration");
        assertThat(afterAnalysis.get("checkpointIteration")).as("it checkpointed before it yielded").isNotNull();
        awaitIteration(job, iteration + 1);
        assertThat(cancelAndAwait(job).get("status")).isEqualTo("CANCELLED");
    }

    /**
     * A cancelled job ends CANCELLED after its current iteration with a checkpoint of every step it made: not
     * registered, but downloadable (and registrable by hand); its worker runs the next job.
     */
    @Test
    void aCancelledJobKeepsItsLastCheckpointForDownloadAndFreesTheWorker() throws Exception {
        UUID slide = storedSlide();
        UUID job = startEndlessJob(slide);
        awaitIteration(job, 2);

        Map<String, Object> cancelled = cancelAndAwait(job);

        assertThat(cancelled.get("status")).isEqualTo("CANCELLED");
        assertThat(cancelled.get("modelId")).isNull();
        assertThat(cancelled.get("error")).isNull();
        int iteration = (Integer) map(cancelled.get("progress")).get("iteration");
        assertThat(iteration).isBetween(2, ENDLESS - 1);
        assertThat(cancelled.get("checkpointIteration")).as("the checkpoint holds every step done")
                .isEqualTo(iteration);
        String url = (String) cancelled.get("checkpointUrl");
        assertThat(url).isEqualTo("/api/v1/admin/pretraining-jobs/" + job + "/checkpoint");
        byte[] pth = admin.get().uri(url).retrieve().body(byte[].class);
        Path file = Files.write(tmp.resolve("cancelled.pth"), pth);
        assertThat(map(CheckpointReader.readTree(file))).containsEntry("iteration", iteration)
                .containsKeys("student", "teacher", "optimizer", "epoch", "args", "dino_loss");
        assertThat(CheckpointReader.read(file, "teacher").keys()).contains("patch_embed.proj.weight");
        ResponseEntity<Map> registered = admin.post()
                .uri(u -> u.path("/api/v1/admin/models").queryParam("kind", "vit256").queryParam("name", "cancelled")
                        .build())
                .contentType(MediaType.APPLICATION_OCTET_STREAM).body(pth).retrieve().toEntity(Map.class);
        assertThat(registered.getStatusCode().value()).isEqualTo(201);

        // the worker is free: the next job (pretraining never yields to pretraining) runs to the end
        UUID next = UUID.fromString((String) post("/api/v1/admin/pretraining-jobs", tiny(1, List.of(slide), 2), 202)
                .get("id"));
        assertThat(awaitEnd(next).get("status")).isEqualTo("SUCCEEDED");
    }

    @Test
    void aJobOverASlideWithoutTissueEndsFailedWithNoTissueAndNoCheckpoint() {
        UUID blank = upload(TestSlideImages.blank(131));

        UUID job = UUID.fromString((String) post("/api/v1/admin/pretraining-jobs", tiny(1, List.of(blank), 2), 202)
                .get("id"));

        Map<String, Object> done = awaitEnd(job);
        assertThat(done.get("status")).isEqualTo("FAILED");
        assertThat(map(done.get("error"))).containsEntry("code", "NO_TISSUE");
        assertThat((String) map(done.get("error")).get("detail")).contains(blank.toString());
        // it failed opening its data, before any step: nothing to download
        assertThat(done.get("checkpointIteration")).isNull();
        assertThat(done.get("checkpointUrl")).isNull();
        ResponseEntity<Map> checkpoint = admin.get().uri("/api/v1/admin/pretraining-jobs/{id}/checkpoint", job)
                .retrieve().onStatus(HttpStatusCode::isError, (req, res) -> { }).toEntity(Map.class);
        assertThat(checkpoint.getStatusCode().value()).isEqualTo(404);
        assertThat(checkpoint.getHeaders().getContentType().toString()).startsWith("application/problem+json");
        assertThat(checkpoint.getBody()).containsEntry("code", "NO_CHECKPOINT");
        ResponseEntity<Map> unknown = admin.get().uri("/api/v1/admin/pretraining-jobs/{id}/checkpoint",
                UUID.randomUUID()).retrieve().onStatus(HttpStatusCode::isError, (req, res) -> { }).toEntity(Map.class);
        assertThat(unknown.getStatusCode().value()).isEqualTo(404);
        assertThat(unknown.getBody()).containsEntry("code", "NOT_FOUND");
    }

    /** Bad requests, each with what it must answer: never a 5xx, always problem+json with a stable code. */
    static Stream<Arguments> badRequests() {
        return Stream.of(
                bad("an unknown slide id", r -> r.put("slideIds", List.of(UUID.randomUUID())), 422, "UNKNOWN_SLIDES",
                        "not stored"),
                bad("slideIds with null", r -> r.put("slideIds", Arrays.asList((UUID) null)), 400,
                        "VALIDATION_FAILED", "slideIds"),
                bad("a slide id that is no UUID", r -> r.put("slideIds", List.of("slide-1")), 400, "BAD_REQUEST",
                        null),
                bad("stage 2 naming a ViT-4K", r -> {
                    r.putAll(tiny(2, List.of(STORED), 2));
                    r.put("vit256ModelId", VIT4K);
                }, 422, "NOT_A_VIT256", "not a ViT-256"),
                bad("stage 2 naming no registered model", r -> {
                    r.putAll(tiny(2, List.of(STORED), 2));
                    r.put("vit256ModelId", UUID.randomUUID());
                }, 422, "UNKNOWN_MODEL", "not a registered model"),
                bad("stage 1 naming a ViT-256", r -> r.put("vit256ModelId", UUID.randomUUID()), 400,
                        "VALIDATION_FAILED", "vit256ModelId"),
                bad("stage 3", r -> r.put("stage", 3), 400, "VALIDATION_FAILED", "stage"),
                bad("no stage", r -> r.remove("stage"), 400, "VALIDATION_FAILED", "stage"),
                bad("no iterations", r -> r.remove("iterations"), 400, "VALIDATION_FAILED", "iterations"),
                bad("iterations 0", r -> r.put("iterations", 0), 400, "VALIDATION_FAILED", "iterations"),
                bad("iterations over 10,000,000", r -> r.put("iterations", 10_000_001), 400, "VALIDATION_FAILED",
                        "iterations"),
                bad("iterations beyond an int", r -> r.put("iterations", 10_000_000_000L), 400, "BAD_REQUEST",
                        null),
                bad("iterations as text", r -> r.put("iterations", "many"), 400, "BAD_REQUEST", null),
                bad("batchSize 0", r -> r.put("batchSize", 0), 400, "VALIDATION_FAILED", "batchSize"),
                bad("batchSize 4097", r -> r.put("batchSize", 4097), 400, "VALIDATION_FAILED", "batchSize"),
                bad("outDim 0", r -> r.put("outDim", 0), 400, "VALIDATION_FAILED", "outDim"),
                bad("outDim over 262144", r -> r.put("outDim", 262_145), 400, "VALIDATION_FAILED", "outDim"),
                bad("localCrops -1", r -> r.put("localCrops", -1), 400, "VALIDATION_FAILED", "localCrops"),
                bad("localCrops 65", r -> r.put("localCrops", 65), 400, "VALIDATION_FAILED", "localCrops"),
                bad("globalCropSize 0", r -> r.put("globalCropSize", 0), 400, "VALIDATION_FAILED", "globalCropSize"),
                bad("globalCropSize over a patch", r -> r.put("globalCropSize", 272), 400, "VALIDATION_FAILED",
                        "globalCropSize"),
                bad("globalCropSize not a multiple of 16", r -> r.put("globalCropSize", 40), 400,
                        "VALIDATION_FAILED", "globalCropSize"),
                bad("localCropSize not a multiple of 16", r -> r.put("localCropSize", 20), 400,
                        "VALIDATION_FAILED", "localCropSize"),
                bad("stage-2 globalCropSize over the grid", r -> {
                    r.putAll(tiny(2, List.of(STORED), 2));
                    r.put("globalCropSize", 17);
                }, 400, "VALIDATION_FAILED", "globalCropSize"),
                bad("depth 0", r -> r.put("depth", 0), 400, "VALIDATION_FAILED", "depth"),
                bad("checkpointEvery 0", r -> r.put("checkpointEvery", 0), 400, "VALIDATION_FAILED",
                        "checkpointEvery"),
                bad("minTissueFraction 1", r -> r.put("minTissueFraction", 1.0), 400, "VALIDATION_FAILED",
                        "minTissueFraction"),
                bad("minTissueFraction -0.1", r -> r.put("minTissueFraction", -0.1), 400, "VALIDATION_FAILED",
                        "minTissueFraction"),
                bad("an unknown normalization", r -> r.put("normalization", "lab"), 400, "VALIDATION_FAILED",
                        "normalization"),
                hyper("a negative lr", "lr", -5e-4, "lr"),
                hyper("lr 0", "lr", 0.0, "lr"),
                hyper("minLr above 1", "minLr", 2.0, "minLr"),
                hyper("negative warm-up epochs", "warmupEpochs", -1, "warmupEpochs"),
                hyper("a negative weight decay", "weightDecay", -0.04, "weightDecay"),
                hyper("a negative final weight decay", "weightDecayEnd", -0.4, "weightDecayEnd"),
                hyper("teacher momentum above 1", "momentumTeacher", 1.5, "momentumTeacher"),
                hyper("a negative teacher momentum", "momentumTeacher", -0.1, "momentumTeacher"),
                hyper("teacher temperature 0", "teacherTemp", 0.0, "teacherTemp"),
                hyper("warm-up teacher temperature above 1", "warmupTeacherTemp", 1.5, "warmupTeacherTemp"),
                hyper("negative teacher temperature warm-up", "warmupTeacherTempEpochs", -1,
                        "warmupTeacherTempEpochs"),
                hyper("a negative student temperature", "studentTemp", -0.1, "studentTemp"),
                hyper("center momentum above 1", "centerMomentum", 1.1, "centerMomentum"),
                hyper("a negative gradient clip", "clipGrad", -3.0, "clipGrad"),
                hyper("negative frozen last-layer epochs", "freezeLastLayerEpochs", -1, "freezeLastLayer"),
                hyper("drop-path rate 1", "dropPathRate", 1.0, "dropPathRate"),
                bad("a hyper-parameter as text", r -> r.put("hyperParameters", Map.of("lr", "fast")), 400,
                        "BAD_REQUEST", null));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("badRequests")
    void aBadRequestIsRefusedBeforeAnythingRunsWithAStableCode(String what, Consumer<Map<String, Object>> change,
                                                               int status, String code, String detailNames) {
        Map<String, Object> request = tiny(1, List.of(STORED), 2);
        change.accept(request);
        if (List.of(STORED).equals(request.get("slideIds"))) {
            request.put("slideIds", List.of(storedSlide()));
        }
        if (VIT4K.equals(request.get("vit256ModelId"))) {
            request.put("vit256ModelId", registeredVit4k());
        }

        ResponseEntity<Map> answer = admin.post().uri("/api/v1/admin/pretraining-jobs")
                .contentType(MediaType.APPLICATION_JSON).body(request).retrieve()
                .onStatus(HttpStatusCode::isError, (req, res) -> { }).toEntity(Map.class);

        assertThat(answer.getStatusCode().value()).as("%s: %s", what, answer.getBody()).isEqualTo(status);
        assertThat(answer.getHeaders().getContentType().toString()).startsWith("application/problem+json");
        assertThat(answer.getBody()).containsEntry("code", code);
        if (detailNames != null) {
            assertThat((String) answer.getBody().get("detail")).contains(detailNames);
        }
    }

    @Test
    void aBodyThatIsNotARequestIsABadRequest() {
        for (String body : List.of("", "[1, 2]", "{\"stage\": ", "null")) {
            ResponseEntity<Map> answer = admin.post().uri("/api/v1/admin/pretraining-jobs")
                    .contentType(MediaType.APPLICATION_JSON).body(body).retrieve()
                    .onStatus(HttpStatusCode::isError, (req, res) -> { }).toEntity(Map.class);
            assertThat(answer.getStatusCode().value()).as("body '%s': %s", body, answer.getBody()).isEqualTo(400);
            assertThat(answer.getBody()).containsEntry("code", "BAD_REQUEST");
        }
    }

    private static Arguments bad(String what, Consumer<Map<String, Object>> change, int status, String code,
                                 String detailNames) {
        return Arguments.of(what, change, status, code, detailNames);
    }

    private static Arguments hyper(String what, String field, Object value, String detailNames) {
        return bad(what, r -> r.put("hyperParameters", Map.of(field, value)), 400, "VALIDATION_FAILED", detailNames);
    }

    /** A stage-1 job that would run far longer than any test (it is cancelled), checkpointing only when it stops. */
    private UUID startEndlessJob(UUID slide) {
        Map<String, Object> request = tiny(1, List.of(slide), ENDLESS);
        request.put("checkpointEvery", ENDLESS);
        return UUID.fromString((String) post("/api/v1/admin/pretraining-jobs", request, 202).get("id"));
    }

    private void awaitIteration(UUID job, int iteration) {
        await("pretraining job " + job + " at iteration " + iteration).atMost(JOB_LIMIT)
                .pollInterval(Duration.ofMillis(100))
                .until(() -> get("/api/v1/admin/pretraining-jobs/" + job), view -> {
                    assertThat(view.get("status")).as("job %s", view).isIn("QUEUED", "RUNNING");
                    return (Integer) map(view.get("progress")).get("iteration") >= iteration;
                });
    }

    private Map<String, Object> cancelAndAwait(UUID job) {
        Map<String, Object> answer = post("/api/v1/admin/pretraining-jobs/" + job + "/cancel", null, 200);
        assertThat(answer.get("status")).isIn("QUEUED", "RUNNING", "CANCELLED");
        return awaitEnd(job);
    }

    /** A stored and analysed slide with tissue, uploaded once for the tests of this class that need any slide. */
    private UUID storedSlide() {
        if (storedSlide == null) {
            storedSlide = analysedSlide(TestSlideImages.tissue(141));
        }
        return storedSlide;
    }

    /** The ViT-4K the service registered from its configuration (hipt.model.vit4k-checkpoint). */
    private UUID registeredVit4k() {
        List<Map<String, Object>> models = list(admin.get().uri("/api/v1/admin/models").retrieve().body(List.class));
        return models.stream().filter(m -> "vit4k".equals(m.get("kind")))
                .map(m -> UUID.fromString((String) m.get("id"))).findFirst().orElseThrow();
    }

    @Test
    void aStage2JobTrainsAViT4KOnTheStoredGridsOfTheActiveViT256AndTheServiceThenAnalysesWithIt() throws Exception {
        String vit256 = activeId("vit256");
        UUID a = analysedSlide(TestSlideImages.tissue(201));
        UUID b = analysedSlide(TestSlideImages.tissue(202));
        assertThat(map(provenanceOf(a).get("modelIds"))).as("analysed with the active ViT-256")
                .containsEntry("vit256", vit256);
        int regions = regionsOf(a) + regionsOf(b);

        // no vit256ModelId: the active ViT-256, whose grids the two analyses stored; the official ViT-4K depth (6)
        Map<String, Object> request = tiny(2, List.of(a, b), 2);
        request.put("depth", 6);
        Map<String, Object> done = awaitEnd(UUID.fromString(
                (String) post("/api/v1/admin/pretraining-jobs", request, 202).get("id")));
        assertThat(done.get("status")).as("job %s", done).isEqualTo("SUCCEEDED");
        assertThat(list(done.get("lossHistory"))).extracting(l -> l.get("iteration")).containsExactly(1, 2);
        UUID model = UUID.fromString((String) done.get("modelId"));

        Map<String, Object> registered = get("/api/v1/admin/models/" + model);
        assertThat(registered).containsEntry("kind", "vit4k");
        assertThat(map(registered.get("trainingMetrics"))).containsEntry("stage", 2)
                .containsEntry("vit256ModelId", vit256).containsEntry("regions", regions)
                .containsEntry("regionsFromStoredGrids", regions).containsEntry("regionsEncoded", 0);

        byte[] pth = admin.get().uri("/api/v1/admin/models/{id}/checkpoint", model).retrieve().body(byte[].class);
        Path file = Files.write(tmp.resolve("dino4k.pth"), pth);
        StateDict teacher = CheckpointReader.read(file, "teacher");
        assertThat(teacher.keys()).contains("phi.0.weight", "cls_token", "pos_embed", "blocks.5.attn.qkv.weight",
                "norm.weight");
        assertThat(teacher.get("phi.0.weight").hasShape(192, 384)).isTrue();
        assertThat(teacher.countIndexed("blocks.")).isEqualTo(6);

        // activated, it is the ViT-4K the service analyses with, beside the ViT-256 whose grids it learnt from
        post("/api/v1/admin/models/" + model + "/activate", null, 200);
        int[] n = {400};
        Map<String, Object> provenance = await("an analysis made with the pretrained ViT-4K").atMost(JOB_LIMIT)
                .pollInterval(Duration.ofMillis(500))
                .until(() -> provenanceOf(analysedSlide(TestSlideImages.tissue(n[0]++))),
                        p -> model.toString().equals(map(p.get("modelIds")).get("vit4k")));
        assertThat(map(provenance.get("checkpoints"))).containsEntry("vit4k", registered.get("sha256"));
        assertThat(map(provenance.get("modelIds"))).containsEntry("vit256", vit256);
    }

    @Test
    void aStage2JobOnAnotherViT256EncodesTheRegionsWithItInsteadOfReusingStoredGrids() throws Exception {
        Path weights = tmp.resolve("other-vit256.safetensors");
        Safetensors.write(weights, VisionTransformer.vit256(1).randomStateDict(99), Map.of());
        Map<String, Object> other = map(admin.post()
                .uri(u -> u.path("/api/v1/admin/models").queryParam("kind", "vit256").queryParam("name", "other")
                        .build())
                .contentType(MediaType.APPLICATION_OCTET_STREAM).body(Files.readAllBytes(weights)).retrieve()
                .body(Map.class));
        UUID slide = analysedSlide(TestSlideImages.tissue(211));
        assertThat(map(provenanceOf(slide).get("modelIds")).get("vit256")).as("analysed with another ViT-256")
                .isNotEqualTo(other.get("id"));
        int regions = regionsOf(slide);

        Map<String, Object> request = tiny(2, List.of(slide), 1);
        request.put("vit256ModelId", other.get("id"));
        Map<String, Object> done = awaitEnd(UUID.fromString(
                (String) post("/api/v1/admin/pretraining-jobs", request, 202).get("id")));
        assertThat(done.get("status")).as("job %s", done).isEqualTo("SUCCEEDED");

        Map<String, Object> registered = get("/api/v1/admin/models/" + done.get("modelId"));
        assertThat(map(registered.get("trainingMetrics"))).containsEntry("vit256ModelId", other.get("id"))
                .containsEntry("regions", regions).containsEntry("regionsEncoded", regions)
                .containsEntry("regionsFromStoredGrids", 0);
    }

    private String activeId(String kind) {
        List<Map<String, Object>> models = list(admin.get().uri("/api/v1/admin/models").retrieve().body(List.class));
        return models.stream().filter(m -> kind.equals(m.get("kind")) && Boolean.TRUE.equals(m.get("active")))
                .map(m -> (String) m.get("id")).findFirst().orElseThrow();
    }

    private int regionsOf(UUID slide) {
        return list(get("/api/v1/slides/" + slide + "/embeddings").get("regions")).size();
    }

    private Map<String, Object> provenanceOf(UUID slide) {
        return map(get("/api/v1/slides/" + slide + "/embeddings").get("provenance"));
    }

    /** Uploads a slide and waits until its analysis succeeded. */
    private UUID analysedSlide(byte[] png) {
        Map<String, Object> upload = uploadAnswer(png);
        UUID slide = UUID.fromString((String) map(upload.get("slide")).get("id"));
        String job = (String) map(upload.get("job")).get("id");
        await("analysis of " + slide).atMost(JOB_LIMIT).pollInterval(Duration.ofMillis(200))
                .until(() -> (String) map(admin.get().uri("/api/v1/jobs/{id}", job).retrieve().body(Map.class))
                        .get("status"), status -> {
                            assertThat(status).isNotIn("FAILED", "CANCELLED");
                            return status.equals("SUCCEEDED");
                        });
        return slide;
    }

    /** Uploads a slide (its analysis is queued, not awaited). */
    private UUID upload(byte[] png) {
        return UUID.fromString((String) map(uploadAnswer(png).get("slide")).get("id"));
    }

    private Map<String, Object> uploadAnswer(byte[] png) {
        return map(admin.post()
                .uri(u -> u.path("/api/v1/slides").queryParam("filename", "slide.png").queryParam("mpp", "0.5")
                        .build())
                .contentType(MediaType.APPLICATION_OCTET_STREAM).body(png).retrieve().body(Map.class));
    }

    static Map<String, Object> tiny(int stage, List<UUID> slides, int iterations) {
        Map<String, Object> request = new HashMap<>();
        request.put("stage", stage);
        request.put("slideIds", slides);
        request.put("iterations", iterations);
        request.put("batchSize", 2);
        request.put("outDim", 32);
        request.put("localCrops", 2);
        request.put("globalCropSize", stage == 1 ? 32 : 14);
        request.put("localCropSize", stage == 1 ? 16 : 6);
        request.put("depth", 1);
        request.put("checkpointEvery", 2);
        request.put("seed", 5);
        return request;
    }

    private Map<String, Object> awaitEnd(UUID job) {
        return await("pretraining job " + job).atMost(JOB_LIMIT).pollInterval(Duration.ofMillis(200))
                .until(() -> get("/api/v1/admin/pretraining-jobs/" + job),
                        view -> List.of("SUCCEEDED", "FAILED", "CANCELLED").contains(view.get("status")));
    }

    private Map<String, Object> get(String path) {
        return map(admin.get().uri(path).retrieve().body(Map.class));
    }

    private Map<String, Object> post(String path, Object body, int status) {
        var spec = admin.post().uri(path);
        if (body != null) {
            spec = spec.contentType(MediaType.APPLICATION_JSON).body(body);
        }
        ResponseEntity<Map> answer = spec.retrieve().onStatus(HttpStatusCode::isError, (req, res) -> { })
                .toEntity(Map.class);
        assertThat(answer.getStatusCode().value()).as("%s %s", path, answer.getBody()).isEqualTo(status);
        return map(answer.getBody());
    }

    @SuppressWarnings("unchecked")
    static Map<String, Object> map(Object o) {
        return (Map<String, Object>) o;
    }

    @SuppressWarnings("unchecked")
    static List<Map<String, Object>> list(Object o) {
        return (List<Map<String, Object>>) o;
    }
}
