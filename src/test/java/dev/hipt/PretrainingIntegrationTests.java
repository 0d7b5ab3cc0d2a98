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
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
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

    @TempDir
    Path tmp;

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

    /** Uploads a slide with tissue and waits until its analysis succeeded. */
    private UUID analysedSlide(byte[] png) {
        Map<String, Object> upload = map(admin.post()
                .uri(u -> u.path("/api/v1/slides").queryParam("filename", "tissue.png").queryParam("mpp", "0.5")
                        .build())
                .contentType(MediaType.APPLICATION_OCTET_STREAM).body(png).retrieve().body(Map.class));
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
