package dev.hipt.training;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hipt.ServiceIntegrationTestSupport;
import dev.hipt.model.CheckpointReader;
import dev.hipt.model.Safetensors;
import dev.hipt.model.SlideAggregator;
import dev.hipt.model.StateDict;
import dev.hipt.model.TorchCheckpointWriter;
import dev.hipt.model.VisionTransformer;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.core.io.ByteArrayResource;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.test.context.TestPropertySource;
import org.springframework.util.LinkedMultiValueMap;
import org.springframework.util.MultiValueMap;
import org.springframework.web.client.RestClient;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/** The model registry's admin API over real HTTP, H2 and the local blob store. */
@TestPropertySource(properties = "hipt.model.registry.allowed-dirs[0]=${java.io.tmpdir}/hipt-registry-allowed")
class ModelRegistryIntegrationTests extends ServiceIntegrationTestSupport {

    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final Path ALLOWED = Path.of(System.getProperty("java.io.tmpdir"), "hipt-registry-allowed");

    @TempDir
    Path tmp;

    @Test
    void registersAnUploadedSubtypeHeadOnceAndServesIt() throws IOException {
        byte[] head = pth(SlideAggregator.small(1, 3).randomStateDict(31));

        Answer first = upload(admin, head, "subtype", "IDC,ILC,MIXED", null, "head.pth");
        Answer again = upload(admin, head, "subtype", "IDC,ILC,MIXED", null, "other-name.pth");

        assertThat(first.status()).as(first.text()).isEqualTo(201);
        JsonNode model = first.json();
        assertThat(model.path("kind").asString()).isEqualTo("subtype");
        assertThat(model.path("name").asString()).isEqualTo("head.pth");
        assertThat(model.path("source").asString()).isEqualTo("upload");
        assertThat(model.path("sizeBytes").asLong()).isEqualTo(head.length);
        assertThat(model.path("sha256").asString()).isEqualTo(sha256(head));
        assertThat(model.path("classes").toString()).isEqualTo("[\"IDC\",\"ILC\",\"MIXED\"]");
        assertThat(model.path("active").asBoolean()).isFalse();
        assertThat(first.location()).isEqualTo("/api/v1/admin/models/" + model.path("id").asString());
        assertThat(again.status()).isEqualTo(200);
        assertThat(again.json().path("id").asString()).isEqualTo(model.path("id").asString());

        Answer byId = get(admin, "/api/v1/admin/models/" + model.path("id").asString());
        assertThat(byId.status()).isEqualTo(200);
        assertThat(byId.json().path("sha256").asString()).isEqualTo(sha256(head));
        assertThat(ids(get(admin, "/api/v1/admin/models"))).containsOnlyOnce(model.path("id").asString());

        ResponseEntity<byte[]> download = admin.get()
                .uri("/api/v1/admin/models/" + model.path("id").asString() + "/checkpoint").retrieve()
                .toEntity(byte[].class);
        assertThat(download.getStatusCode().value()).isEqualTo(200);
        assertThat(download.getBody()).isEqualTo(head);
    }

    @Test
    void refusesTheSameSubtypeHeadWithOtherClassesOnEveryRegisterPath() throws IOException {
        byte[] head = pth(SlideAggregator.small(1, 3).randomStateDict(33));
        Files.createDirectories(ALLOWED);
        Path onServer = ALLOWED.resolve("subtype-" + System.nanoTime() + ".pth");
        Files.write(onServer, head);
        try {
            Answer first = upload(admin, head, "subtype", "IDC,ILC,MIXED", null, "head.pth");
            assertThat(first.status()).as(first.text()).isEqualTo(201);
            String id = first.json().path("id").asString();
            int registered = ids(get(admin, "/api/v1/admin/models")).size();

            Answer reordered = upload(admin, head, "subtype", "IDC,MIXED,ILC", null, "head.pth");
            Answer raw = send(admin.post().uri("/api/v1/admin/models?kind=subtype&classes=A,B,C")
                    .contentType(MediaType.APPLICATION_OCTET_STREAM).body(head));
            Answer byPath = json(admin, Map.of("kind", "subtype", "path", onServer.toString(),
                    "classes", List.of("LumA", "LumB", "Basal")));

            for (Answer conflict : List.of(reordered, raw, byPath)) {
                assertRefused(conflict, 409, "MODEL_ALREADY_REGISTERED");
                assertThat(conflict.json().path("modelId").asString()).isEqualTo(id);
                assertThat(conflict.json().path("detail").asString()).contains(id).contains("[IDC, ILC, MIXED]");
            }
            assertRefused(upload(admin, head, "subtype", "IDC,ILC", null, "head.pth"), 422,
                    "MODEL_CLASSES_MISMATCH");
            Answer same = json(admin, Map.of("kind", "subtype", "path", onServer.toString(),
                    "classes", List.of("IDC", "ILC", "MIXED")));
            assertThat(same.status()).as(same.text()).isEqualTo(200);
            assertThat(same.json().path("id").asString()).isEqualTo(id);
            assertThat(get(admin, "/api/v1/admin/models/" + id).json().path("classes").toString())
                    .isEqualTo("[\"IDC\",\"ILC\",\"MIXED\"]");
            assertThat(ids(get(admin, "/api/v1/admin/models"))).hasSize(registered);
        } finally {
            Files.deleteIfExists(onServer);
        }
    }

    @Test
    void refusesTheSameSurvivalHeadWithOtherTimeBins() throws IOException {
        byte[] head = pth(SlideAggregator.small(1, 4).randomStateDict(43));

        Answer first = upload(admin, head, "survival", null, "0,10,20,40,100", "survival.pth");
        assertThat(first.status()).as(first.text()).isEqualTo(201);
        String id = first.json().path("id").asString();

        Answer otherBins = upload(admin, head, "survival", null, "0,12,24,48,100", "survival.pth");
        Answer noBins = upload(admin, head, "survival", null, null, "survival.pth");
        Answer again = upload(admin, head, "survival", null, "0,10,20,40,100", "survival-again.pth");

        for (Answer conflict : List.of(otherBins, noBins)) {
            assertRefused(conflict, 409, "MODEL_ALREADY_REGISTERED");
            assertThat(conflict.json().path("modelId").asString()).isEqualTo(id);
            assertThat(conflict.json().path("detail").asString()).contains("timeBins [0.0, 10.0, 20.0, 40.0, 100.0]");
        }
        assertThat(again.status()).as(again.text()).isEqualTo(200);
        assertThat(again.json().path("id").asString()).isEqualTo(id);
        assertThat(get(admin, "/api/v1/admin/models/" + id).json().path("timeBins").toString())
                .isEqualTo("[0.0,10.0,20.0,40.0,100.0]");
    }

    @Test
    void downloadsASafetensorsBackboneAsAPthWithTheSameTensors() throws IOException {
        StateDict weights = VisionTransformer.vit256(1).randomStateDict(7);
        Path file = tmp.resolve("vit256.safetensors");
        Safetensors.write(file, weights, Map.of());

        Answer raw = send(admin.post().uri("/api/v1/admin/models?kind=vit256&name=tiny")
                .contentType(MediaType.APPLICATION_OCTET_STREAM).body(Files.readAllBytes(file)));

        assertThat(raw.status()).as(raw.text()).isEqualTo(201);
        byte[] pth = admin.get().uri("/api/v1/admin/models/" + raw.json().path("id").asString() + "/checkpoint")
                .retrieve().body(byte[].class);
        Path downloaded = tmp.resolve("downloaded.pth");
        Files.write(downloaded, pth);
        assertThat(CheckpointReader.isPytorchZip(downloaded)).isTrue();
        StateDict back = CheckpointReader.read(downloaded);
        assertThat(back.keys()).isEqualTo(weights.keys());
        for (String key : weights.keys()) {
            assertThat(Arrays.equals(back.get(key).data(), weights.get(key).data())).as(key).isTrue();
        }
    }

    @Test
    void refusesCheckpointsThatDoNotFitTheirKindAndRegistersNothing() throws IOException {
        int before = ids(get(admin, "/api/v1/admin/models")).size();
        List<Path> blobsBefore = filesUnder(dataDirectory().resolve("blobs/models"));

        assertRefused(upload(admin, pth(SlideAggregator.small(1, 3).randomStateDict(1)), "subtype", "A,B", null,
                "two-names.pth"), 422, "MODEL_CLASSES_MISMATCH");
        assertRefused(upload(admin, pth(SlideAggregator.small(1, 3).randomStateDict(2)), "survival", null, null,
                "three-bins.pth"), 422, "MODEL_KIND_MISMATCH");
        assertRefused(upload(admin, pth(VisionTransformer.vit256(1).randomStateDict(3)), "vit4k", null, null,
                "vit256-as-vit4k.pth"), 422, "MODEL_KIND_MISMATCH");
        StateDict cut = new StateDict(Map.copyOf(VisionTransformer.vit4k(1).randomStateDict(4).asMap()));
        java.util.Map<String, dev.hipt.model.Tensor> missing = new java.util.LinkedHashMap<>(cut.asMap());
        missing.remove("blocks.0.attn.qkv.weight");
        assertRefused(upload(admin, pth(new StateDict(missing)), "vit4k", null, null, "missing.pth"), 422,
                "MODEL_KIND_MISMATCH");
        assertRefused(upload(admin, evilPickle(), "subtype", "A,B,C", null, "evil.pth"), 422,
                "MODEL_CHECKPOINT_INVALID");
        assertRefused(upload(admin, "not a checkpoint".getBytes(StandardCharsets.UTF_8), "vit256", null, null,
                "text.pth"), 422, "MODEL_CHECKPOINT_INVALID");
        assertRefused(upload(admin, pth(SlideAggregator.small(1, 3).randomStateDict(5)), "monster", null, null,
                "head.pth"), 400, "VALIDATION_FAILED");

        assertThat(ids(get(admin, "/api/v1/admin/models"))).hasSize(before);
        assertThat(filesUnder(dataDirectory().resolve("blobs/models"))).isEqualTo(blobsBefore);
        assertThat(filesUnder(dataDirectory().resolve("tmp"))).isEmpty();
    }

    @Test
    void registersFromAServerPathOnlyUnderTheAllowedDirectories() throws IOException {
        Files.createDirectories(ALLOWED);
        Path inside = ALLOWED.resolve("survival-" + System.nanoTime() + ".pth");
        Files.write(inside, pth(SlideAggregator.small(1, 4).randomStateDict(41)));
        Path outside = tmp.resolve("outside.pth");
        Files.write(outside, pth(SlideAggregator.small(1, 4).randomStateDict(42)));
        Path link = ALLOWED.resolve("link-" + System.nanoTime() + ".pth");
        Files.createSymbolicLink(link, outside);
        try {
            Answer ok = json(admin, Map.of("kind", "survival", "path", inside.toString(),
                    "timeBins", List.of(0.0, 10.5, 20.0, 40.0, 100.0)));
            assertThat(ok.status()).as(ok.text()).isEqualTo(201);
            assertThat(ok.json().path("source").asString()).isEqualTo("path");
            assertThat(ok.json().path("timeBins").toString()).isEqualTo("[0.0,10.5,20.0,40.0,100.0]");

            assertRefused(json(admin, Map.of("kind", "survival", "path", outside.toString())), 403,
                    "MODEL_PATH_NOT_ALLOWED");
            assertRefused(json(admin, Map.of("kind", "survival", "path", ALLOWED.resolve("../" + tmp.getFileName())
                    .resolve("outside.pth").toString())), 403, "MODEL_PATH_NOT_ALLOWED");
            assertRefused(json(admin, Map.of("kind", "survival", "path", link.toString())), 403,
                    "MODEL_PATH_NOT_ALLOWED");
            assertRefused(json(admin, Map.of("kind", "survival", "path", ALLOWED.resolve("none.pth").toString())),
                    422, "MODEL_PATH_NOT_FOUND");
        } finally {
            Files.deleteIfExists(link);
            Files.deleteIfExists(inside);
        }
    }

    @Test
    void activatesOneModelPerKind() throws IOException {
        String first = upload(admin, pth(SlideAggregator.small(1, 2).randomStateDict(51)), "subtype", "A,B", null,
                "a.pth").json().path("id").asString();
        String second = upload(admin, pth(SlideAggregator.small(1, 2).randomStateDict(52)), "subtype", "A,B", null,
                "b.pth").json().path("id").asString();

        Answer activated = send(admin.post().uri("/api/v1/admin/models/" + first + "/activate"));
        assertThat(activated.status()).isEqualTo(200);
        assertThat(activated.json().path("active").asBoolean()).isTrue();
        send(admin.post().uri("/api/v1/admin/models/" + second + "/activate"));

        assertThat(get(admin, "/api/v1/admin/models/" + first).json().path("active").asBoolean()).isFalse();
        assertThat(get(admin, "/api/v1/admin/models/" + second).json().path("active").asBoolean()).isTrue();
        assertRefused(send(admin.post().uri("/api/v1/admin/models/" + java.util.UUID.randomUUID() + "/activate")),
                404, "NOT_FOUND");
    }

    @Test
    void needsTheAdminRole() throws IOException {
        assertRefused(get(client, "/api/v1/admin/models"), 403, "FORBIDDEN");
        assertRefused(upload(client, pth(SlideAggregator.small(1, 2).randomStateDict(61)), "subtype", "A,B", null,
                "a.pth"), 403, "FORBIDDEN");
    }

    private static void assertRefused(Answer answer, int status, String code) {
        assertThat(answer.status()).as(answer.text()).isEqualTo(status);
        assertThat(answer.json().path("code").asString()).as(answer.text()).isEqualTo(code);
    }

    private static List<String> ids(Answer list) {
        return list.json().valueStream().map(node -> node.path("id").asString()).toList();
    }

    private static List<Path> filesUnder(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return List.of();
        }
        try (Stream<Path> files = Files.walk(dir)) {
            return files.filter(Files::isRegularFile).sorted(Comparator.naturalOrder()).toList();
        }
    }

    private byte[] pth(StateDict weights) throws IOException {
        Path file = Files.createTempFile(tmp, "weights-", ".pth");
        TorchCheckpointWriter.write(file, weights);
        return Files.readAllBytes(file);
    }

    /** A PyTorch zip whose pickle calls {@code os.system}: the restricted unpickler must refuse it. */
    private static byte[] evilPickle() throws IOException {
        java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
        try (ZipOutputStream zip = new ZipOutputStream(bytes)) {
            zip.putNextEntry(new ZipEntry("archive/data.pkl"));
            OutputStream out = zip;
            out.write(new byte[] {(byte) 0x80, 2});
            out.write("cos\nsystem\n".getBytes(StandardCharsets.US_ASCII));
            out.write('X');
            byte[] command = "touch /tmp/hipt-registry-pwned".getBytes(StandardCharsets.US_ASCII);
            out.write(new byte[] {(byte) command.length, 0, 0, 0});
            out.write(command);
            out.write(new byte[] {(byte) 0x85, 'R', '.'});
            zip.closeEntry();
            zip.putNextEntry(new ZipEntry("archive/version"));
            zip.write("3\n".getBytes(StandardCharsets.US_ASCII));
            zip.closeEntry();
        }
        return bytes.toByteArray();
    }

    private static String sha256(byte[] bytes) {
        try {
            return java.util.HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static Answer upload(RestClient as, byte[] file, String kind, String classes, String timeBins,
                                 String filename) {
        MultiValueMap<String, Object> parts = new LinkedMultiValueMap<>();
        parts.add("kind", kind);
        if (classes != null) {
            parts.add("classes", classes);
        }
        if (timeBins != null) {
            parts.add("timeBins", timeBins);
        }
        parts.add("file", new ByteArrayResource(file) {
            @Override
            public String getFilename() {
                return filename;
            }
        });
        return send(as.post().uri("/api/v1/admin/models").contentType(MediaType.MULTIPART_FORM_DATA).body(parts));
    }

    private static Answer json(RestClient as, Map<String, Object> body) {
        return send(as.post().uri("/api/v1/admin/models").contentType(MediaType.APPLICATION_JSON)
                .body(JSON.writeValueAsString(body)));
    }

    private static Answer get(RestClient as, String uri) {
        return send(as.get().uri(uri));
    }

    private static Answer send(RestClient.RequestHeadersSpec<?> request) {
        ResponseEntity<String> response = request.retrieve().onStatus(status -> true, (req, res) -> { })
                .toEntity(String.class);
        return new Answer(response.getStatusCode().value(), response.getBody(),
                response.getHeaders().getLocation() == null ? null : response.getHeaders().getLocation().toString());
    }

    private record Answer(int status, String text, String location) {
        JsonNode json() {
            return JSON.readTree(text == null ? "null" : text);
        }
    }
}
