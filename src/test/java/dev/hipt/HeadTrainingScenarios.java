package dev.hipt;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.hipt.model.CheckpointReader;
import dev.hipt.model.SlideAggregator;
import dev.hipt.model.StateDict;
import dev.hipt.model.TorchCheckpointWriter;
import dev.hipt.model.VisionTransformer;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
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
import org.springframework.web.client.RestClient;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Issue 8's end-to-end flow through the HTTP API alone, on PostgreSQL, over slides the real pipeline analysed with
 * tiny one-block checkpoints: label sets are stored whole or refused naming the bad row; subtype and survival heads
 * train as jobs on the analysis engine, register, download as HIPT_LGP_FC .pth, activate and predict for a new
 * slide; an old slide is re-predicted with the new heads without a region encoded again (counted by
 * {@code hipt_regions_processed_total}); a newly activated backbone marks older embeddings as not active, refuses
 * re-prediction and training on them, and a reanalysis re-encodes with it. {@link HeadTrainingPostgresIntegrationTests}
 * runs it on PostgreSQL (the production database); the flow is too slow to run twice, so there is no H2 copy.
 */
@TestPropertySource(properties = {"hipt.model.device=cpu", "hipt.job.polling-interval=200ms",
        "hipt.upload.isolate-readers=false", "hipt.model.registry.poll-interval=200ms"})
@ContextConfiguration(initializers = TinyCheckpoints.Initializer.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
abstract class HeadTrainingScenarios extends ServiceIntegrationTestSupport {

    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final Pattern REGIONS_PROCESSED =
            Pattern.compile("(?m)^hipt_regions_processed_total(?:\\{[^}]*})? (\\S+)$");

    @Autowired
    private JdbcClient jdbc;

    @TempDir
    Path tmp;

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
    void trainsHeadsThatPredictRepredictWithoutReencodingAndFollowANewBackbone() throws Exception {
        String labels = created(csv("externalId,subtype,months,event\nLIMS-41,IDC,10,1\nLIMS-42,ILC,20,1\n"
                + "LIMS-44,IDC,30,1\nLIMS-45,ILC,40,1\n")).path("id").asString();
        assertCode(send(client.post().uri("/api/v1/slides/" + first + "/predictions")), 409, "NO_ACTIVE_HEADS");
        JsonNode analysed = send(client.get().uri("/api/v1/slides/" + first + "/embeddings")).json()
                .path("provenance");
        String backbone = analysed.path("modelVersion").asString();
        assertThat(analysed.path("backboneActive").asBoolean()).as(analysed.toString()).isTrue();
        assertThat(analysed.path("activeModelVersion").asString()).isEqualTo(backbone);

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
        JsonNode model = send(admin.get().uri("/api/v1/admin/models/" + subtypeModel)).json();
        assertThat(model.path("kind").asString()).isEqualTo("subtype");
        assertThat(model.path("classes").toString()).isEqualTo("[\"IDC\",\"ILC\"]");
        assertThat(model.path("source").asString()).isEqualTo("training-job:" + subtype.path("id").asString());
        assertThat(model.path("trainingMetrics").path("modelVersion").asString()).isEqualTo(backbone);
        JsonNode survivalRecord = send(admin.get().uri("/api/v1/admin/models/" + survivalModel)).json();
        assertThat(survivalRecord.path("kind").asString()).isEqualTo("survival");
        assertThat(survivalRecord.path("timeBins")).hasSize(5);

        for (String id : new String[] {subtypeModel, survivalModel}) {
            byte[] pth = admin.get().uri("/api/v1/admin/models/" + id + "/checkpoint").retrieve().body(byte[].class);
            Path file = Files.write(tmp.resolve(id + ".pth"), pth);
            StateDict weights = CheckpointReader.read(file);
            Map<String, long[]> expected = SlideAggregator.small(1, id.equals(subtypeModel) ? 2 : 4)
                    .parameterShapes();
            assertThat(weights.keys()).containsExactlyInAnyOrderElementsOf(expected.keySet());
            expected.forEach((name, shape) -> assertThat(weights.get(name).shape()).as(name).containsExactly(shape));
            assertThat(send(admin.post().uri("/api/v1/admin/models/" + id + "/activate")).status()).isEqualTo(200);
        }

        // Activation is a database state that every replica's provider picks up within its poll interval; analyse
        // the new slide once this replica has loaded both heads.
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertThat(send(admin.get()
                .uri("/actuator/info")).json().path("models").path("checkpoints").has("survival")).isTrue());
        UUID fresh = upload(TestSlideImages.tissue(46), "LIMS-46");
        JsonNode predictions = send(client.get().uri("/api/v1/slides/" + fresh + "/predictions")).json();
        assertThat(predictions.path("subtype").path("classes").toString()).as(predictions.toString())
                .isEqualTo("[\"IDC\",\"ILC\"]");
        assertThat(predictions.path("survival").path("hazards")).as(predictions.toString()).hasSize(4);
        assertThat(predictions.path("provenance").path("modelIds").path("subtype").asString()).isEqualTo(subtypeModel);
        assertThat(predictions.path("knn").isNull()).as("no reference label set active yet").isTrue();

        assertThat(send(admin.post().uri("/api/v1/admin/label-sets/" + labels + "/activate")).text())
                .contains("\"reference\":true");
        JsonNode knn = send(client.get().uri("/api/v1/slides/" + fresh + "/predictions")).json().path("knn");
        assertThat(knn.path("labelSetId").asString()).isEqualTo(labels);
        assertThat(knn.path("k").asInt()).isEqualTo(5);
        assertThat(knn.path("neighbours")).as("all 4 labelled slides, fewer than k").hasSize(4);
        assertThat(knn.path("votes").path("IDC").asInt() + knn.path("votes").path("ILC").asInt()).isEqualTo(4);
        assertThat(knn.path("neighbours").get(0).path("cosine").asDouble())
                .isGreaterThanOrEqualTo(knn.path("neighbours").get(3).path("cosine").asDouble());
        JsonNode ownKnn = send(client.get().uri("/api/v1/slides/" + first + "/predictions")).json().path("knn");
        assertThat(ownKnn.path("neighbours")).as("a labelled slide is not its own neighbour").hasSize(3);
        assertThat(ownKnn.path("neighbours").toString()).doesNotContain(first.toString());

        // An old slide, analysed before any head existed, gets the new heads' predictions from its stored grids.
        double encoded = regionsProcessed();
        assertThat(send(client.get().uri("/api/v1/slides/" + first + "/predictions")).json().path("subtype")
                .isNull()).as("analysed without heads").isTrue();
        Answer repredicted = send(client.post().uri("/api/v1/slides/" + first + "/predictions"));
        assertThat(repredicted.status()).as(repredicted.text()).isEqualTo(200);
        assertThat(repredicted.json().path("modelIds").path("survival").asString()).isEqualTo(survivalModel);
        assertThat(repredicted.json().path("regions").asInt()).isPositive();
        JsonNode old = send(client.get().uri("/api/v1/slides/" + first + "/predictions")).json();
        assertThat(old.path("subtype").path("probabilities")).as(old.toString()).hasSize(2);
        assertThat(old.path("survival").path("hazards")).hasSize(4);
        assertThat(old.path("provenance").path("modelIds").path("subtype").asString()).isEqualTo(subtypeModel);
        assertThat(old.path("provenance").path("modelVersion").asString()).isEqualTo(backbone);
        JsonNode batch = send(admin.post().uri("/api/v1/admin/predictions").contentType(MediaType.APPLICATION_JSON)
                .body("{\"slideIds\": [\"" + second + "\", \"" + UUID.randomUUID() + "\"]}")).json();
        assertThat(batch.path("results").get(0).path("outcome").asString()).as(batch.toString()).isEqualTo("PREDICTED");
        assertThat(batch.path("results").get(1).path("outcome").asString()).isEqualTo("NO_EMBEDDINGS");
        assertThat(regionsProcessed()).as("regions encoded by re-predicting").isEqualTo(encoded);

        // A new backbone: the stored embeddings are marked, re-prediction and training refuse them, reanalysis
        // re-encodes the slide with it.
        String vit256 = register(VisionTransformer.vit256(1).randomStateDict(72), "vit256");
        assertThat(send(admin.post().uri("/api/v1/admin/models/" + vit256 + "/activate")).status()).isEqualTo(200);
        JsonNode stale = send(client.get().uri("/api/v1/slides/" + second + "/embeddings")).json().path("provenance");
        assertThat(stale.path("modelVersion").asString()).isEqualTo(backbone);
        assertThat(stale.path("backboneActive").asBoolean()).as(stale.toString()).isFalse();
        String newBackbone = stale.path("activeModelVersion").asString();
        assertThat(newBackbone).isNotBlank().isNotEqualTo(backbone);
        JsonNode stalePredictions = send(client.get().uri("/api/v1/slides/" + second + "/predictions")).json();
        assertThat(stalePredictions.path("provenance").path("backboneActive").asBoolean()).isFalse();
        assertThat(stalePredictions.path("note").asString()).contains("no longer active", "reanalyse=true");
        await("the new backbone reaches this replica").atMost(Duration.ofSeconds(30))
                .pollInterval(Duration.ofMillis(200))
                .until(() -> send(client.post().uri("/api/v1/slides/" + second + "/predictions")),
                        answer -> answer.status() == 409
                                && answer.json().path("code").asString().equals("BACKBONE_NOT_ACTIVE"));
        String subtypeJob = "{\"task\": \"subtype\", \"labelSetId\": \"" + labels + "\", \"epochs\": 1}";
        refused(train(subtypeJob), "TRAINING_SLIDES_NOT_ON_BACKBONE", "4 of 4 labelled slides");

        JsonNode reanalysis = reanalyse(TestSlideImages.tissue(42), "LIMS-42");
        assertThat(reanalysis.path("status").asString()).as(reanalysis.toString()).isEqualTo("SUCCEEDED");
        int regions = reanalysis.path("regions").path("recomputed").asInt();
        assertThat(regions).as(reanalysis.toString()).isPositive();
        assertThat(reanalysis.path("regions").path("reused").asInt()).isZero();
        assertThat(regionsProcessed()).as("regions encoded by the reanalysis").isEqualTo(encoded + regions);
        JsonNode current = send(client.get().uri("/api/v1/slides/" + second + "/embeddings")).json().path("provenance");
        assertThat(current.path("modelVersion").asString()).isEqualTo(newBackbone);
        assertThat(current.path("backboneActive").asBoolean()).as(current.toString()).isTrue();
        assertThat(current.path("modelIds").path("vit256").asString()).isEqualTo(vit256);
        refused(train(subtypeJob), "TRAINING_SLIDES_NOT_ON_BACKBONE", "3 of 4 labelled slides");
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
        parts.add("file", named(text.getBytes(StandardCharsets.UTF_8), "labels.csv"));
        return admin.post().uri("/api/v1/admin/label-sets").contentType(MediaType.MULTIPART_FORM_DATA).body(parts)
                .retrieve().onStatus(HttpStatusCode::isError, (req, res) -> { }).toEntity(String.class);
    }

    /** Uploads a PNG (mpp 0.5) with an externalId and waits until its analysis has ended. */
    private UUID upload(byte[] png, String externalId) {
        JsonNode body = analyse(png, externalId, "");
        return UUID.fromString(body.path("slide").path("id").asString());
    }

    /** Uploads the same PNG again with {@code reanalyse=true}; answers the new analysis job once it has ended. */
    private JsonNode reanalyse(byte[] png, String externalId) {
        return send(client.get().uri("/api/v1/jobs/" + analyse(png, externalId, "&reanalyse=true").path("job")
                .path("id").asString())).json();
    }

    private JsonNode analyse(byte[] png, String externalId, String query) {
        Answer upload = send(client.post().uri("/api/v1/slides?filename=s.png&mpp=0.5&externalId=" + externalId + query)
                .contentType(MediaType.APPLICATION_OCTET_STREAM).body(png));
        assertThat(upload.status()).as(upload.text()).isEqualTo(202);
        String job = upload.json().path("job").path("id").asString();
        await("analysis of " + externalId).atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofMillis(300))
                .until(() -> send(client.get().uri("/api/v1/jobs/" + job)).json().path("status").asString(),
                        s -> s.equals("SUCCEEDED") || s.equals("FAILED"));
        return upload.json();
    }

    /** Regions encoded so far, as Prometheus scrapes it. */
    private double regionsProcessed() {
        Answer scrape = send(admin.get().uri("/actuator/prometheus"));
        assertThat(scrape.status()).isEqualTo(200);
        Matcher line = REGIONS_PROCESSED.matcher(scrape.text());
        assertThat(line.find()).as("hipt_regions_processed_total in the scrape").isTrue();
        return Double.parseDouble(line.group(1));
    }

    /** Registers a checkpoint by multipart upload and answers its id. */
    private String register(StateDict weights, String kind) throws IOException {
        Path file = Files.createTempFile(tmp, "model-", ".pth");
        TorchCheckpointWriter.write(file, weights);
        MultiValueMap<String, Object> parts = new LinkedMultiValueMap<>();
        parts.add("kind", kind);
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
