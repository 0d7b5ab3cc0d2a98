package dev.hipt.heatmap;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;
import static org.awaitility.Awaitility.await;

import dev.hipt.ServiceIntegrationTestSupport;
import io.jhdf.HdfFile;
import io.jhdf.api.Dataset;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.http.HttpStatusCode;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.test.context.TestPropertySource;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Heatmaps and exports of the fixture slide (small_HE.svs, one 4096 region) analysed by the running service with the
 * shared HIPT fixture checkpoints (2 + 2 blocks) and both slide heads, over real HTTP, against what the official
 * HIPT code computed for the same region ({@code region4096_attn4k_cls.npy}).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestPropertySource(properties = {
        "hipt.model.vit256-checkpoint=${hipt.reference.dir}/vit256.pth",
        "hipt.model.vit4k-checkpoint=${hipt.reference.dir}/vit4k.pth",
        "hipt.model.subtype-checkpoint=${hipt.reference.dir}/slide_subtype.pt",
        "hipt.model.subtype-classes=A,B,C",
        "hipt.model.survival-checkpoint=${hipt.reference.dir}/slide_survival.pt",
        "hipt.model.device=cpu",
        // the reference contract (1e-4) is float32's; the compiled path (the default) runs it
        "hipt.model.precision=fp32",
        "hipt.job.polling-interval=200ms"})
class HeatmapApiIntegrationTests extends ServiceIntegrationTestSupport {

    private static final Path REFERENCE = Path.of(System.getProperty("hipt.reference.dir",
            "../shared/fixtures/hipt-reference"));
    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final int HEADS = 6;

    @Autowired
    JdbcClient jdbc;

    private UUID slide;

    @BeforeAll
    void analyseTheFixtureSlide() throws IOException {
        org.junit.jupiter.api.Assumptions.assumeTrue(Files.isRegularFile(REFERENCE.resolve("vit256.pth"))
                && Files.isRegularFile(REFERENCE.resolve("small_HE.svs")),
                "HIPT reference fixtures absent at " + REFERENCE.toAbsolutePath() + ": skipping");
        org.springframework.web.client.RestClient uploader = org.springframework.web.client.RestClient.builder()
                .baseUrl(baseUrl()).defaultHeader("X-API-Key", CLIENT_KEY).build();
        String answer = uploader.post().uri("/api/v1/slides?filename=small_HE.svs")
                .contentType(MediaType.APPLICATION_OCTET_STREAM)
                .body(Files.readAllBytes(REFERENCE.resolve("small_HE.svs"))).retrieve().body(String.class);
        JsonNode upload = JSON.readTree(answer);
        slide = UUID.fromString(upload.path("slide").path("id").asString());
        String job = upload.path("job").path("id").asString();
        await().atMost(Duration.ofMinutes(5)).pollInterval(Duration.ofMillis(500)).until(() -> JSON.readTree(
                uploader.get().uri("/api/v1/jobs/{id}", job).retrieve().body(String.class)).path("status")
                .asString(), s -> s.equals("SUCCEEDED") || s.equals("FAILED") || s.equals("CANCELLED"));
        assertThat(JSON.readTree(uploader.get().uri("/api/v1/jobs/{id}", job).retrieve().body(String.class))
                .path("status").asString()).isEqualTo("SUCCEEDED");
    }

    @Test
    void regionAttentionIsTheReferenceMapAsHiptDrawsItAndIsComputedOnce() throws IOException {
        float[] reference = npy("region4096_attn4k_cls.npy"); // [6 x 256]
        int head = 2;
        BufferedImage png = png("/api/v1/slides/" + slide + "/regions/0/attention.png?level=4k&head=" + head);
        assertThat(png.getWidth()).isEqualTo(1024);
        assertThat(png.getHeight()).isEqualTo(1024 + HeatmapImages.LEGEND);

        // the patch the model attended to most and least, among those on the slide (2220 x 2967 of the region)
        int best = -1;
        int worst = -1;
        for (int p = 0; p < 256; p++) {
            if (p % 16 * 256 + 256 > 2220 || p / 16 * 256 + 256 > 2967) {
                continue;
            }
            float v = reference[head * 256 + p];
            best = best < 0 || v > reference[head * 256 + best] ? p : best;
            worst = worst < 0 || v < reference[head * 256 + worst] ? p : worst;
        }
        int hot = png.getRGB(best % 16 * 64 + 32, best / 16 * 64 + 32);
        int cold = png.getRGB(worst % 16 * 64 + 32, worst / 16 * 64 + 32);
        assertThat(red(hot) - blue(hot)).as("coolwarm red half blended over the most attended patch")
                .isGreaterThan(red(cold) - blue(cold) + 60);

        // stored as HIPT's percentiles of the reference attention
        byte[] stored = jdbc.sql("SELECT percentile4k FROM region_attention WHERE slide_id = ?").param(slide)
                .query(byte[].class).single();
        float[] expected = Percentiles.rankEach(reference, 256, 256.0 * 256);
        for (int i = 0; i < expected.length; i++) {
            assertThat(Percentiles.decode(stored[i])).as("percentile %d", i).isCloseTo(expected[i], within(0.3f));
        }
        java.time.OffsetDateTime first = jdbc.sql("SELECT created_at FROM region_attention WHERE slide_id = ?")
                .param(slide).query(java.time.OffsetDateTime.class).single();
        for (String level : List.of("256", "factorized")) {
            BufferedImage other = png("/api/v1/slides/" + slide + "/regions/0/attention.png?level=" + level
                    + "&head=1&head4k=3&size=512&cmap=jet");
            assertThat(other.getWidth()).isEqualTo(512);
        }
        assertThat(jdbc.sql("SELECT created_at FROM region_attention WHERE slide_id = ?").param(slide)
                .query(java.time.OffsetDateTime.class).single()).as("maps from the store, not computed again")
                .isEqualTo(first);
    }

    @Test
    void slideHeatmapsDrawEveryScoreWithALegend() throws IOException {
        for (String score : List.of("attention4k", "attention-mass", "probability", "tissue", "risk")) {
            BufferedImage png = png("/api/v1/slides/" + slide + "/heatmap.png?score=" + score + "&size=1024");
            // 2220 x 2967 at 1024 on the longer side
            assertThat(png.getHeight()).as(score).isEqualTo(1024 + HeatmapImages.LEGEND);
            assertThat(png.getWidth()).as(score).isBetween(766, 767);
        }
        BufferedImage tissue = png("/api/v1/slides/" + slide + "/heatmap.png?score=tissue&size=512&cmap=jet");
        BufferedImage mass = png("/api/v1/slides/" + slide + "/heatmap.png?score=attention-mass&size=512");
        assertThat(tissue.getRGB(100, 100)).as("other layers, other colours").isNotEqualTo(mass.getRGB(100, 100));
    }

    @Test
    void badHeatmapRequestsAreProblemsWithStableCodes() {
        String base = "/api/v1/slides/" + slide;
        expectProblem(base + "/regions/0/attention.png?level=8k", 400, "VALIDATION_FAILED");
        expectProblem(base + "/regions/0/attention.png?head=6", 400, "VALIDATION_FAILED");
        expectProblem(base + "/regions/0/attention.png?size=10", 400, "VALIDATION_FAILED");
        expectProblem(base + "/regions/0/attention.png?cmap=viridis", 400, "VALIDATION_FAILED");
        expectProblem(base + "/regions/7/attention.png", 404, "REGION_NOT_FOUND");
        expectProblem(base + "/heatmap.png?score=beauty", 400, "VALIDATION_FAILED");
        expectProblem(base + "/heatmap.png?score=probability&class=Z", 400, "VALIDATION_FAILED");
        expectProblem("/api/v1/slides/" + UUID.randomUUID() + "/heatmap.png", 404, "RESULTS_NOT_FOUND");
        expectProblem("/api/v1/slides/" + UUID.randomUUID() + "/regions.geojson", 404, "RESULTS_NOT_FOUND");
        expectProblem("/api/v1/slides/" + UUID.randomUUID() + "/features.h5", 404, "RESULTS_NOT_FOUND");
    }

    @Test
    void geoJsonHasOneQuPathTilePerRegionAndTheTissueAsAnnotations() throws IOException {
        ResponseEntity<String> answer = client.get().uri("/api/v1/slides/{id}/regions.geojson", slide).retrieve()
                .toEntity(String.class);
        assertThat(answer.getHeaders().getContentType().toString()).startsWith("application/geo+json");
        JsonNode doc = JSON.readTree(answer.getBody());
        assertThat(doc.path("type").asString()).isEqualTo("FeatureCollection");
        List<JsonNode> tiles = new ArrayList<>();
        List<JsonNode> annotations = new ArrayList<>();
        for (JsonNode f : doc.path("features")) {
            assertThat(f.path("type").asString()).isEqualTo("Feature");
            UUID.fromString(f.path("id").asString()); // QuPath takes a UUID id as the object's id
            assertThat(f.path("properties").path("isLocked").isBoolean()).isTrue();
            (f.path("properties").path("objectType").asString().equals("tile") ? tiles : annotations).add(f);
        }
        assertThat(tiles).hasSize(1);
        JsonNode tile = tiles.get(0);
        assertThat(tile.path("geometry").path("type").asString()).isEqualTo("Polygon");
        assertThat(tile.path("geometry").path("coordinates").toString())
                .isEqualTo("[[[0,0],[4096,0],[4096,4096],[0,4096],[0,0]]]");
        JsonNode measurements = tile.path("properties").path("measurements");
        assertThat(measurements.isObject()).as("QuPath's name -> number map form").isTrue();
        for (String name : List.of("Tissue fraction", "Attention mass", "P(A)", "P(B)", "P(C)", "Risk")) {
            assertThat(measurements.path(name).isNumber()).as(name).isTrue();
        }
        assertThat(measurements.path("Attention mass").asDouble()).as("one region holds all the mass")
                .isCloseTo(1.0, within(1e-6));
        assertThat(measurements.path("P(A)").asDouble() + measurements.path("P(B)").asDouble()
                + measurements.path("P(C)").asDouble()).isCloseTo(1.0, within(1e-5));
        JsonNode classification = tile.path("properties").path("classification");
        assertThat(classification.path("name").asString()).isIn("A", "B", "C");
        assertThat(classification.path("color").size()).isEqualTo(3);

        assertThat(annotations).isNotEmpty();
        double area = 0;
        for (JsonNode a : annotations) {
            assertThat(a.path("properties").path("objectType").asString()).isEqualTo("annotation");
            assertThat(a.path("properties").path("classification").path("name").asString()).isEqualTo("Tissue");
            JsonNode rings = a.path("geometry").path("coordinates");
            for (int r = 0; r < rings.size(); r++) {
                JsonNode ring = rings.get(r);
                assertThat(ring.get(0).toString()).as("closed ring").isEqualTo(ring.get(ring.size() - 1).toString());
                area += (r == 0 ? 1 : -1) * Math.abs(shoelace(ring));
            }
        }
        // the outlines enclose the mask's tissue: its fraction of the slide, as the tissue QC endpoint reports it
        ResponseEntity<byte[]> mask = client.get().uri("/api/v1/slides/{id}/tissue/mask.png", slide).retrieve()
                .toEntity(byte[].class);
        double fraction = Double.parseDouble(mask.getHeaders().getFirst("X-Tissue-Fraction"));
        assertThat(area / (2220.0 * 2967)).isCloseTo(fraction, within(0.02));
    }

    @Test
    void featuresH5HasTridentsLayoutAndTheStoredVectors(@TempDir Path dir) throws IOException {
        ResponseEntity<byte[]> answer = client.get().uri("/api/v1/slides/{id}/features.h5", slide).retrieve()
                .toEntity(byte[].class);
        assertThat(answer.getHeaders().getContentType().toString()).isEqualTo("application/x-hdf5");
        Path file = dir.resolve("features.h5");
        Files.write(file, answer.getBody());
        JsonNode embeddings = JSON.readTree(client.get().uri("/api/v1/slides/{id}/embeddings", slide).retrieve()
                .body(String.class));
        try (HdfFile h5 = new HdfFile(file)) {
            Dataset features = h5.getDatasetByPath("features");
            assertThat(features.getDimensions()).containsExactly(1, 192);
            float[][] f = (float[][]) features.getData();
            JsonNode cls4k = embeddings.path("regions").get(0).path("cls4k");
            for (int i = 0; i < 192; i++) {
                assertThat(f[0][i]).isCloseTo(cls4k.get(i).floatValue(), within(1e-6f));
            }
            Dataset cls256 = h5.getDatasetByPath("cls256");
            assertThat(cls256.getDimensions()).containsExactly(1, 256, 384);
            float[][][] grid = (float[][][]) cls256.getData();
            float[] reference = npy("region4096_cls256.npy");
            assertThat(grid[0][17][5]).isCloseTo(reference[17 * 384 + 5], within(1e-4f));
            Dataset coords = h5.getDatasetByPath("coords");
            assertThat(coords.getJavaType()).isEqualTo(long.class);
            assertThat((long[][]) coords.getData()).isDeepEqualTo(new long[][] {{0, 0}});
            assertThat(coords.getAttribute("patch_size").getData()).isEqualTo(4096L);
            assertThat(coords.getAttribute("patch_size_level0").getData()).isEqualTo(4096L);
            assertThat(coords.getAttribute("target_magnification").getData()).isEqualTo(20L);
            assertThat(coords.getAttribute("level0_magnification").getData()).isEqualTo(20L);
            assertThat(coords.getAttribute("overlap").getData()).isEqualTo(0L);
            assertThat(coords.getAttribute("name").getData()).isEqualTo("small_HE");
            assertThat(coords.getAttribute("level0_width").getData()).isEqualTo(2220L);
            assertThat(coords.getAttribute("level0_height").getData()).isEqualTo(2967L);
            assertThat(features.getAttribute("name").getData()).isEqualTo("small_HE");
        }
    }

    private BufferedImage png(String path) throws IOException {
        ResponseEntity<byte[]> answer = client.get().uri(baseUrl() + path).retrieve().toEntity(byte[].class);
        assertThat(answer.getHeaders().getContentType()).isEqualTo(MediaType.IMAGE_PNG);
        BufferedImage image = ImageIO.read(new ByteArrayInputStream(answer.getBody()));
        assertThat(image).as("a decodable PNG from %s", path).isNotNull();
        return image;
    }

    private void expectProblem(String path, int status, String code) {
        ResponseEntity<String> answer = client.get().uri(baseUrl() + path).retrieve()
                .onStatus(HttpStatusCode::isError, (req, res) -> { }).toEntity(String.class);
        assertThat(answer.getStatusCode().value()).as(path).isEqualTo(status);
        assertThat(answer.getHeaders().getContentType().toString()).as(path).startsWith("application/problem+json");
        assertThat(JSON.readTree(answer.getBody()).path("code").asString()).as(path).isEqualTo(code);
    }

    private static double shoelace(JsonNode ring) {
        double s = 0;
        for (int i = 0; i + 1 < ring.size(); i++) {
            s += ring.get(i).get(0).asDouble() * ring.get(i + 1).get(1).asDouble()
                    - ring.get(i + 1).get(0).asDouble() * ring.get(i).get(1).asDouble();
        }
        return s / 2;
    }

    private static int red(int rgb) {
        return (rgb >> 16) & 0xff;
    }

    private static int blue(int rgb) {
        return rgb & 0xff;
    }

    private static float[] npy(String name) throws IOException {
        ByteBuffer bytes = ByteBuffer.wrap(Files.readAllBytes(REFERENCE.resolve(name))).order(ByteOrder.LITTLE_ENDIAN);
        int major = bytes.get(6);
        int headerLength = major == 1 ? Short.toUnsignedInt(bytes.getShort(8)) : bytes.getInt(8);
        int offset = major == 1 ? 10 : 12;
        String header = new String(bytes.array(), offset, headerLength, StandardCharsets.US_ASCII);
        assertThat(header).contains("'<f4'");
        bytes.position(offset + headerLength);
        float[] values = new float[bytes.remaining() / 4];
        bytes.asFloatBuffer().get(values);
        return values;
    }
}
