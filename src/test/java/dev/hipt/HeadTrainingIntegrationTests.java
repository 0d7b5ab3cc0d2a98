package dev.hipt;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.UUID;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.core.io.ByteArrayResource;
import org.springframework.http.HttpStatusCode;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.test.context.ContextConfiguration;
import org.springframework.test.context.TestPropertySource;
import org.springframework.util.LinkedMultiValueMap;
import org.springframework.util.MultiValueMap;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Label sets and head training through the HTTP API alone, over slides the real pipeline analysed with tiny
 * one-block checkpoints: label sets are stored whole or refused naming the bad row; subtype and survival heads train
 * as jobs on the analysis engine, register, activate, predict for a new slide and download as HIPT_LGP_FC .pth.
 */
@TestPropertySource(properties = {"hipt.model.device=cpu", "hipt.job.polling-interval=200ms",
        "hipt.upload.isolate-readers=false", "hipt.model.registry.poll-interval=200ms"})
@ContextConfiguration(initializers = TinyCheckpoints.Initializer.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class HeadTrainingIntegrationTests extends ServiceIntegrationTestSupport {

    private static final JsonMapper JSON = JsonMapper.builder().build();

    @Autowired
    private JdbcClient jdbc;

    private UUID first;
    private UUID second;

    @BeforeAll
    void analyseSlides() {
        createClients();
        first = upload(TestSlideImages.tissue(41), "LIMS-41");
        second = upload(TestSlideImages.tissue(42), "LIMS-42");
        upload(TestSlideImages.tissue(44), "LIMS-44");
        upload(TestSlideImages.tissue(45), "LIMS-45");
        upload(TestSlideImages.blank(43), "LIMS-43");
    }

    @Test
    void trainsSubtypeAndSurvivalHeadsThatRegisterActivatePredictAndDownloadAsHiptLgpFc() throws Exception {
        String labels = created(csv("externalId,subtype,months,event\nLIMS-41,IDC,10,1\nLIMS-42,ILC,20,1\n"
                + "LIMS-44,IDC,30,1\nLIMS-45,ILC,40,1\n")).path("id").asString();

        JsonNode subtype = finished(train("{\"task\": \"subtype\", \"labelSetId\": \"" + labels
                + "\", \"epochs\": 2, \"accumulationSteps\": 1, \"learningRate\": 0.001}"));
        assertThat(subtype.path("status").asString()).as(subtype.toString()).isEqualTo("SUCCEEDED");
        assertThat(subtype.path("progress").path("epoch").asInt()).isEqualTo(2);
        assertThat(subtype.path("lossHistory")).hasSize(2);
        assertThat(subtype.path("metrics").has("accuracy")).as(subtype.toString()).isTrue();
        assertThat(subtype.path("metrics").path("validationSlides").asInt()).isEqualTo(2);

        JsonNode survival = finished(train("{\"task\": \"survival\", \"labelSetId\": \"" + labels
                + "\", \"epochs\": 1, \"accumulationSteps\": 2, \"freezeVit4k\": false}"));
        assertThat(survival.path("status").asString()).as(survival.toString()).isEqualTo("SUCCEEDED");
        assertThat(survival.path("metrics").has("cIndex")).isTrue();

        String subtypeModel = subtype.path("modelId").asString();
        String survivalModel = survival.path("modelId").asString();
        JsonNode model = JSON.readTree(admin.get().uri("/api/v1/admin/models/" + subtypeModel).retrieve()
                .body(String.class));
        assertThat(model.path("kind").asString()).isEqualTo("subtype");
        assertThat(model.path("classes").toString()).isEqualTo("[\"IDC\",\"ILC\"]");
        assertThat(model.path("source").asString()).isEqualTo("training-job:" + subtype.path("id").asString());
        JsonNode survivalRecord = JSON.readTree(admin.get().uri("/api/v1/admin/models/" + survivalModel).retrieve()
                .body(String.class));
        assertThat(survivalRecord.path("kind").asString()).isEqualTo("survival");
        assertThat(survivalRecord.path("timeBins")).hasSize(5);

        for (String id : new String[] {subtypeModel, survivalModel}) {
            byte[] pth = admin.get().uri("/api/v1/admin/models/" + id + "/checkpoint").retrieve().body(byte[].class);
            java.nio.file.Path file = java.nio.file.Files.createTempFile("head-", ".pth");
            java.nio.file.Files.write(file, pth);
            dev.hipt.model.StateDict weights = dev.hipt.model.CheckpointReader.read(file);
            java.nio.file.Files.delete(file);
            java.util.Map<String, long[]> expected = dev.hipt.model.SlideAggregator
                    .small(1, id.equals(subtypeModel) ? 2 : 4).parameterShapes();
            assertThat(weights.keys()).containsExactlyInAnyOrderElementsOf(expected.keySet());
            expected.forEach((name, shape) -> assertThat(weights.get(name).shape()).as(name).containsExactly(shape));
            assertThat(admin.post().uri("/api/v1/admin/models/" + id + "/activate").retrieve().toBodilessEntity()
                    .getStatusCode().value()).isEqualTo(200);
        }

        // Activation is a database state that every replica's provider picks up within its poll interval; analyse
        // the new slide once this replica has loaded both heads.
        await().atMost(java.time.Duration.ofSeconds(30)).untilAsserted(() -> assertThat(JSON.readTree(admin.get()
                .uri("/actuator/info").retrieve().body(String.class)).path("models").path("checkpoints")
                .has("survival")).isTrue());
        UUID fresh = upload(TestSlideImages.tissue(46), "LIMS-46");
        JsonNode predictions = JSON.readTree(client.get().uri("/api/v1/slides/" + fresh + "/predictions").retrieve()
                .body(String.class));
        assertThat(predictions.path("subtype").path("classes").toString()).as(predictions.toString())
                .isEqualTo("[\"IDC\",\"ILC\"]");
        assertThat(predictions.path("survival").path("hazards")).as(predictions.toString()).hasSize(4);
        assertThat(predictions.path("knn").isNull()).as("no reference label set active yet").isTrue();

        assertThat(admin.post().uri("/api/v1/admin/label-sets/" + labels + "/activate").retrieve()
                .body(String.class)).contains("\"reference\":true");
        JsonNode knn = JSON.readTree(client.get().uri("/api/v1/slides/" + fresh + "/predictions").retrieve()
                .body(String.class)).path("knn");
        assertThat(knn.path("labelSetId").asString()).isEqualTo(labels);
        assertThat(knn.path("k").asInt()).isEqualTo(5);
        assertThat(knn.path("neighbours")).as("all 4 labelled slides, fewer than k").hasSize(4);
        assertThat(knn.path("votes").path("IDC").asInt() + knn.path("votes").path("ILC").asInt()).isEqualTo(4);
        assertThat(knn.path("neighbours").get(0).path("cosine").asDouble())
                .isGreaterThanOrEqualTo(knn.path("neighbours").get(3).path("cosine").asDouble());
        JsonNode ownKnn = JSON.readTree(client.get().uri("/api/v1/slides/" + first + "/predictions").retrieve()
                .body(String.class)).path("knn");
        assertThat(ownKnn.path("neighbours")).as("a labelled slide is not its own neighbour").hasSize(3);
        assertThat(ownKnn.path("neighbours").toString()).doesNotContain(first.toString());
    }

    @Test
    void labelSetsThatCannotTrainAre4xxWithAStableCode() {
        String oneClass = created(csv("externalId,subtype\nLIMS-41,IDC\nLIMS-42,IDC\n")).path("id").asString();
        refused(train("{\"task\": \"subtype\", \"labelSetId\": \"" + oneClass + "\", \"epochs\": 1}"),
                "TRAINING_SINGLE_CLASS", "one class");
        refused(train("{\"task\": \"survival\", \"labelSetId\": \"" + oneClass + "\", \"epochs\": 1}"),
                "LABEL_SET_INVALID", "no survival labels");
        String tooFew = created(csv("externalId,subtype,months,event\nLIMS-41,IDC,3,1\nLIMS-42,ILC,5,1\n"
                + "LIMS-44,ILC,7,0\n")).path("id").asString();
        refused(train("{\"task\": \"subtype\", \"labelSetId\": \"" + tooFew + "\", \"epochs\": 1}"),
                "TRAINING_TOO_FEW_SLIDES", "'IDC'");
        refused(train("{\"task\": \"survival\", \"labelSetId\": \"" + tooFew + "\", \"epochs\": 1}"),
                "TRAINING_TOO_FEW_SLIDES", "");
        ResponseEntity<String> badOption = train("{\"task\": \"subtype\", \"labelSetId\": \"" + tooFew
                + "\", \"epochs\": 0}");
        assertThat(badOption.getStatusCode().value()).as(badOption.getBody()).isEqualTo(400);
        assertThat(JSON.readTree(badOption.getBody()).path("code").asString()).isEqualTo("VALIDATION_FAILED");
        ResponseEntity<String> unknown = train("{\"task\": \"subtype\", \"labelSetId\": \"" + UUID.randomUUID()
                + "\", \"epochs\": 1}");
        assertThat(unknown.getStatusCode().value()).isEqualTo(404);
    }

    private ResponseEntity<String> train(String json) {
        return admin.post().uri("/api/v1/admin/training-jobs").contentType(MediaType.APPLICATION_JSON).body(json)
                .retrieve().onStatus(HttpStatusCode::isError, (req, res) -> { }).toEntity(String.class);
    }

    private JsonNode finished(ResponseEntity<String> queued) {
        assertThat(queued.getStatusCode().value()).as(queued.getBody()).isEqualTo(202);
        String id = JSON.readTree(queued.getBody()).path("id").asString();
        return await("training job " + id).atMost(Duration.ofSeconds(180)).pollInterval(Duration.ofMillis(300))
                .until(() -> JSON.readTree(admin.get().uri("/api/v1/admin/training-jobs/" + id).retrieve()
                        .body(String.class)), job -> !job.path("status").asString().matches("QUEUED|RUNNING"));
    }

    @Test
    void csvKeyedByExternalIdIsStoredWithItsClassesAndReadBack() {
        JsonNode set = created(csv("externalId,subtype,months,event\nLIMS-41,IDC,12.5,1\nLIMS-42,ILC,30,censored\n"));

        assertThat(set.path("rowCount").asInt()).isEqualTo(2);
        assertThat(set.path("classes").toString()).isEqualTo("[\"IDC\",\"ILC\"]");
        assertThat(set.path("tasks").toString()).isEqualTo("[\"subtype\",\"survival\"]");
        JsonNode read = JSON.readTree(admin.get().uri("/api/v1/admin/label-sets/" + set.path("id").asString())
                .retrieve().body(String.class));
        assertThat(read.path("rows").get(0).path("slideId").asString()).isEqualTo(first.toString());
        assertThat(read.path("rows").get(0).path("event").asBoolean()).isTrue();
        assertThat(read.path("rows").get(1).path("slideId").asString()).isEqualTo(second.toString());
        assertThat(read.path("rows").get(1).path("months").asDouble()).isEqualTo(30.0);
        assertThat(read.path("rows").get(1).path("event").asBoolean()).isFalse();
    }

    @Test
    void jsonKeyedBySlideIdIsStored() {
        String body = "{\"name\": \"ref\", \"rows\": [{\"slideId\": \"" + first + "\", \"subtype\": \"IDC\"},"
                + " {\"slideId\": \"" + second + "\", \"subtype\": \"ILC\"}]}";
        ResponseEntity<String> answer = admin.post().uri("/api/v1/admin/label-sets")
                .contentType(MediaType.APPLICATION_JSON).body(body).retrieve()
                .onStatus(HttpStatusCode::isError, (req, res) -> { }).toEntity(String.class);
        assertThat(answer.getStatusCode().value()).as(answer.getBody()).isEqualTo(201);
        JsonNode set = JSON.readTree(answer.getBody());
        assertThat(set.path("name").asString()).isEqualTo("ref");
        assertThat(set.path("tasks").toString()).isEqualTo("[\"subtype\"]");
    }

    @Test
    void badRowsAre422NamingRowAndColumnAndStoreNothing() {
        long before = labelSets();
        refused(csv("externalId,subtype\nLIMS-41,IDC\nLIMS-99,ILC\n"), "LABEL_ROW_INVALID", "row 2, column 'externalId'");
        refused(csv("externalId,subtype\nLIMS-41,IDC\nLIMS-42,\n"), "LABEL_ROW_INVALID", "row 2, column 'subtype'");
        refused(csv("externalId,months,event\nLIMS-41,-3,1\n"), "LABEL_ROW_INVALID", "row 1, column 'months'");
        refused(csv("externalId,months,event\nLIMS-41,3,1\nLIMS-42,4,maybe\n"), "LABEL_ROW_INVALID",
                "row 2, column 'event'");
        refused(csv("slideId,subtype\n" + UUID.randomUUID() + ",IDC\n"), "LABEL_ROW_INVALID", "row 1, column 'slideId'");
        refused(csv("externalId,subtype\nLIMS-41,IDC\nLIMS-43,ILC\n"), "SLIDE_NOT_ANALYSED",
                "row 2, column 'externalId'");
        refused(csv("externalId,subtype\nLIMS-41,IDC\nLIMS-41,ILC\n"), "LABEL_ROW_INVALID", "row 2");
        refused(csv("externalId,comment\nLIMS-41,x\n"), "LABEL_SET_INVALID", "subtype");
        refused(csv("externalId,months\nLIMS-41,3\n"), "LABEL_SET_INVALID", "'event'");
        assertThat(labelSets()).as("label sets stored by refused uploads").isEqualTo(before);
    }

    @Test
    void onlyAdminsUploadLabelSets() {
        ResponseEntity<String> answer = client.post().uri("/api/v1/admin/label-sets")
                .contentType(MediaType.APPLICATION_JSON).body("[]").retrieve()
                .onStatus(HttpStatusCode::isError, (req, res) -> { }).toEntity(String.class);
        assertThat(answer.getStatusCode().value()).isEqualTo(403);
    }

    private long labelSets() {
        return jdbc.sql("SELECT count(*) FROM label_set").query(Long.class).single()
                + jdbc.sql("SELECT count(*) FROM label_set_row").query(Long.class).single();
    }

    private void refused(ResponseEntity<String> answer, String code, String detail) {
        assertThat(answer.getStatusCode().value()).as(answer.getBody()).isEqualTo(422);
        JsonNode problem = JSON.readTree(answer.getBody());
        assertThat(problem.path("code").asString()).isEqualTo(code);
        assertThat(problem.path("detail").asString()).contains(detail);
    }

    private static JsonNode created(ResponseEntity<String> answer) {
        assertThat(answer.getStatusCode().value()).as(answer.getBody()).isEqualTo(201);
        return JSON.readTree(answer.getBody());
    }

    private ResponseEntity<String> csv(String text) {
        MultiValueMap<String, Object> parts = new LinkedMultiValueMap<>();
        parts.add("file", new ByteArrayResource(text.getBytes(java.nio.charset.StandardCharsets.UTF_8)) {
            @Override
            public String getFilename() {
                return "labels.csv";
            }
        });
        return admin.post().uri("/api/v1/admin/label-sets").contentType(MediaType.MULTIPART_FORM_DATA).body(parts)
                .retrieve().onStatus(HttpStatusCode::isError, (req, res) -> { }).toEntity(String.class);
    }

    /** Uploads a PNG (mpp 0.5) with an externalId and waits until its analysis has ended. */
    private UUID upload(byte[] png, String externalId) {
        JsonNode body = JSON.readTree(client.post()
                .uri("/api/v1/slides?filename=s.png&mpp=0.5&externalId=" + externalId)
                .contentType(MediaType.APPLICATION_OCTET_STREAM).body(png).retrieve().body(String.class));
        String job = body.path("job").path("id").asString();
        await("analysis of " + externalId).atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofMillis(300))
                .until(() -> JSON.readTree(client.get().uri("/api/v1/jobs/" + job).retrieve().body(String.class))
                        .path("status").asString(), s -> s.equals("SUCCEEDED") || s.equals("FAILED"));
        return UUID.fromString(body.path("slide").path("id").asString());
    }
}
