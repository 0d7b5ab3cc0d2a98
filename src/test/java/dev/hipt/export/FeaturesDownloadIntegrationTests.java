package dev.hipt.export;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.hipt.ServiceIntegrationTestSupport;
import dev.hipt.TinyCheckpoints;
import dev.hipt.wsi.WholeSlideImages;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The features.h5 download's temporary file over real HTTP, with the fixture slide small_HE.svs analysed by the real
 * pipeline with tiny checkpoints (at an MPP of 8.0, regions of 256 level-0 pixels, a file
 * of about 21 MB, more than the socket buffers hold): it is written under the
 * service's data directory, never the system temporary directory, and it is gone once the download ends, whether
 * the client read it all or hung up in the middle.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class FeaturesDownloadIntegrationTests extends ServiceIntegrationTestSupport {

    private static final Path SLIDE = Path.of(System.getProperty("hipt.shared.dir", "../shared"), "fixtures",
            "slides", "small_HE.svs");
    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final byte[] HDF5_SIGNATURE = {(byte) 0x89, 'H', 'D', 'F', '\r', '\n', 0x1a, '\n'};

    @DynamicPropertySource
    static void properties(DynamicPropertyRegistry registry) throws IOException {
        Map<String, String> weights = TinyCheckpoints.write(Files.createTempDirectory("hipt-export-weights-"));
        weights.forEach((name, value) -> registry.add(name, () -> value));
        registry.add("hipt.upload.isolate-readers", () -> "false");
        registry.add("hipt.job.polling-interval", () -> "200ms");
    }

    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5)).build();

    private String slideId;

    @BeforeAll
    void uploadAndAnalyseTheFixtureSlide() throws Exception {
        assumeTrue(Files.isRegularFile(SLIDE), "fixture " + SLIDE + " is absent: skipping");
        assumeTrue(WholeSlideImages.openSlideAvailable(), "libopenslide0 is not installed: skipping");
        String boundary = "export-" + System.nanoTime();
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        body.writeBytes(("--" + boundary + "\r\nContent-Disposition: form-data; name=\"mpp\"\r\n\r\n8.0\r\n--"
                + boundary + "\r\nContent-Disposition: form-data; name=\"file\"; filename=\"small_HE.svs\"\r\n"
                + "Content-Type: application/octet-stream\r\n\r\n").getBytes(StandardCharsets.UTF_8));
        body.writeBytes(Files.readAllBytes(SLIDE));
        body.writeBytes(("\r\n--" + boundary + "--\r\n").getBytes(StandardCharsets.UTF_8));
        HttpResponse<String> upload = http.send(request("/api/v1/slides")
                .header("Content-Type", "multipart/form-data; boundary=" + boundary)
                .POST(HttpRequest.BodyPublishers.ofByteArray(body.toByteArray())).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(upload.statusCode()).as(upload.body()).isEqualTo(202);
        JsonNode answer = JSON.readTree(upload.body());
        slideId = answer.path("slide").path("id").asString();
        String jobId = answer.path("job").path("id").asString();
        await("the analysis of small_HE.svs").atMost(Duration.ofMinutes(6)).pollInterval(Duration.ofMillis(500))
                .until(() -> {
                    String status = JSON.readTree(http.send(request("/api/v1/jobs/" + jobId).GET().build(),
                            HttpResponse.BodyHandlers.ofString()).body()).path("status").asString();
                    assertThat(status).as("job status").isNotIn("FAILED", "CANCELLED");
                    return status.equals("SUCCEEDED");
                });
    }

    @Test
    void aCompleteDownloadLeavesNoTemporaryFile() throws Exception {
        HttpResponse<byte[]> download = http.send(request("/api/v1/slides/" + slideId + "/features.h5").GET().build(),
                HttpResponse.BodyHandlers.ofByteArray());

        assertThat(download.statusCode()).isEqualTo(200);
        assertThat(download.body()).startsWith(HDF5_SIGNATURE);
        assertThat(download.headers().firstValueAsLong("Content-Length")).hasValue(download.body().length);
        await("the temporary file removed").atMost(Duration.ofSeconds(30))
                .until(() -> featureFiles().isEmpty());
    }

    @Test
    void aDownloadTheClientAbandonsMidStreamLeavesNoTemporaryFile() throws Exception {
        try (Socket socket = new Socket()) {
            // a tiny receive window that the test never drains: the server blocks writing the file
            socket.setReceiveBufferSize(1024);
            socket.connect(new InetSocketAddress("localhost", port), 5000);
            socket.setSoTimeout(30_000);
            OutputStream out = socket.getOutputStream();
            out.write(("GET /api/v1/slides/" + slideId + "/features.h5 HTTP/1.1\r\nHost: localhost\r\nX-API-Key: "
                    + CLIENT_KEY + "\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1));
            out.flush();
            String head = readHead(socket.getInputStream());
            assertThat(head).startsWith("HTTP/1.1 200");

            await("the file being sent, under the data directory").atMost(Duration.ofSeconds(30))
                    .until(() -> featureFiles().size() == 1);
        }
        await("the temporary file removed after the client hung up").atMost(Duration.ofSeconds(60))
                .until(() -> featureFiles().isEmpty());
    }

    /** The features files under the service's temporary directory ({@code hipt.storage.root/tmp}). */
    private List<Path> featureFiles() {
        Path tmp = dataDirectory().resolve("tmp");
        if (!Files.isDirectory(tmp)) {
            return List.of();
        }
        try (Stream<Path> files = Files.list(tmp)) {
            return files.filter(f -> f.getFileName().toString().startsWith("hipt-features-")).toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String readHead(InputStream in) throws IOException {
        ByteArrayOutputStream head = new ByteArrayOutputStream();
        while (!head.toString(StandardCharsets.ISO_8859_1).endsWith("\r\n\r\n")) {
            int b = in.read();
            if (b < 0) {
                break;
            }
            head.write(b);
        }
        return head.toString(StandardCharsets.ISO_8859_1);
    }

    private HttpRequest.Builder request(String path) {
        return HttpRequest.newBuilder(URI.create(baseUrl() + path)).timeout(Duration.ofSeconds(60))
                .header("X-API-Key", CLIENT_KEY);
    }
}
