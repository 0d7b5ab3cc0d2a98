package dev.hipt.slide;

import dev.hipt.OpenApiResponseValidator;
import dev.hipt.ServiceIntegrationTestSupport;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpHeaders;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import javax.imageio.ImageIO;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.context.annotation.Import;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.test.context.TestPropertySource;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * What slide tests share: the job and results doubles, a 4 MB upload limit, and small HTTP helpers (multipart and
 * raw uploads with {@link HttpClient}, hand-written requests on a socket when the test must control the bytes). Every
 * {@code /api} answer of {@link #send} is checked against the OpenAPI document ({@link OpenApiResponseValidator}).
 */
@Import(SlideTestDoubles.class)
@TestPropertySource(properties = "hipt.upload.max-size=" + SlideIntegrationTestSupport.MAX_SIZE)
abstract class SlideIntegrationTestSupport extends ServiceIntegrationTestSupport {

    static final String MAX_SIZE = "4MB";
    static final long MAX_BYTES = 4L * 1024 * 1024;
    private static final AtomicInteger IMAGES = new AtomicInteger();
    private static final JsonMapper JSON = JsonMapper.builder().build();

    @Autowired
    protected FakeAnalysisJobs jobs;
    @Autowired
    protected FakeRegionResults results;
    @Autowired
    protected JdbcClient jdbc;

    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5)).build();

    /** An HTTP answer with its body parsed as JSON when it is JSON. */
    record Answer(int status, HttpHeaders headers, String body) {
        JsonNode json() {
            return JSON.readTree(body);
        }

        String code() {
            return json().path("code").asString();
        }

        String contentType() {
            return headers.firstValue("Content-Type").orElse("");
        }
    }

    Answer uploadMultipart(String filename, byte[] content, Map<String, String> fields) {
        String boundary = "hipt-test-boundary-" + IMAGES.incrementAndGet();
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        fields.forEach((name, value) -> write(body, "--" + boundary + "\r\nContent-Disposition: form-data; name=\""
                + name + "\"\r\n\r\n" + value + "\r\n"));
        write(body, "--" + boundary + "\r\nContent-Disposition: form-data; name=\"file\"; filename=\"" + filename
                + "\"\r\nContent-Type: application/octet-stream\r\n\r\n");
        body.writeBytes(content);
        write(body, "\r\n--" + boundary + "--\r\n");
        return send(HttpRequest.newBuilder(URI.create(baseUrl() + "/api/v1/slides"))
                .header("X-API-Key", CLIENT_KEY)
                .header("Content-Type", "multipart/form-data; boundary=" + boundary)
                .POST(HttpRequest.BodyPublishers.ofByteArray(body.toByteArray())).build());
    }

    Answer uploadRaw(String query, byte[] content) {
        return send(HttpRequest.newBuilder(URI.create(baseUrl() + "/api/v1/slides?" + query))
                .header("X-API-Key", CLIENT_KEY)
                .header("Content-Type", "application/octet-stream")
                .POST(HttpRequest.BodyPublishers.ofByteArray(content)).build());
    }

    Answer get(String path, String apiKey) {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(baseUrl() + path)).GET();
        if (apiKey != null) {
            request.header("X-API-Key", apiKey);
        }
        return send(request.build());
    }

    Answer delete(String path) {
        return send(HttpRequest.newBuilder(URI.create(baseUrl() + path)).header("X-API-Key", CLIENT_KEY)
                .DELETE().build());
    }

    Answer send(HttpRequest request) {
        try {
            HttpResponse<String> response = http.send(request, HttpResponse.BodyHandlers.ofString());
            Answer answer = new Answer(response.statusCode(), response.headers(), response.body());
            if (request.uri().getRawPath().startsWith("/api/")) {
                OpenApiResponseValidator.instance().assertValid(request.method(), request.uri().getRawPath(),
                        answer.status(), response.headers().firstValue("Content-Type").orElse(null), answer.body());
            }
            return answer;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /**
     * Writes {@code head} and then {@code body} on a plain socket and returns whatever the server answers within
     * a few seconds: the raw response text.
     */
    String rawExchange(String head, byte[] body) throws IOException {
        try (Socket socket = new Socket("localhost", port)) {
            socket.setSoTimeout(5000);
            OutputStream out = socket.getOutputStream();
            out.write(head.getBytes(StandardCharsets.ISO_8859_1));
            if (body != null) {
                out.write(body);
            }
            out.flush();
            ByteArrayOutputStream received = new ByteArrayOutputStream();
            InputStream in = socket.getInputStream();
            byte[] buffer = new byte[8192];
            try {
                int n;
                while ((n = in.read(buffer)) >= 0) {
                    received.write(buffer, 0, n);
                    if (complete(received.toString(StandardCharsets.ISO_8859_1))) {
                        break;
                    }
                }
            } catch (SocketTimeoutException | java.net.SocketException endOfAnswer) {
                // keep what arrived
            }
            return received.toString(StandardCharsets.ISO_8859_1);
        }
    }

    private static boolean complete(String response) {
        int end = response.indexOf("\r\n\r\n");
        if (end < 0) {
            return false;
        }
        for (String line : response.substring(0, end).split("\r\n")) {
            if (line.toLowerCase().startsWith("content-length:")) {
                long length = Long.parseLong(line.substring(15).strip());
                return response.length() - end - 4 >= length;
            }
        }
        return response.endsWith("\r\n0\r\n\r\n");
    }

    /** A small PNG whose bytes no other call returns (so uploads never deduplicate by accident). */
    static byte[] uniquePng() {
        Random random = new Random(IMAGES.incrementAndGet() * 7919L + System.nanoTime());
        BufferedImage image = new BufferedImage(96, 80, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < image.getHeight(); y++) {
            for (int x = 0; x < image.getWidth(); x++) {
                image.setRGB(x, y, 0xE0A0C0 ^ random.nextInt(0x202020));
            }
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try {
            ImageIO.write(image, "png", out);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    long slideRows() {
        return jdbc.sql("select count(*) from slides").query(Long.class).single();
    }

    List<Path> filesUnder(String relative) {
        Path dir = dataDirectory().resolve(relative);
        if (!Files.isDirectory(dir)) {
            return List.of();
        }
        try (Stream<Path> walk = Files.walk(dir)) {
            return walk.filter(Files::isRegularFile).toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void write(ByteArrayOutputStream out, String text) {
        out.writeBytes(text.getBytes(StandardCharsets.UTF_8));
    }
}
