package dev.hipt.slide;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import javax.imageio.ImageIO;
import org.assertj.core.data.Offset;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/**
 * The tissue QC endpoints over real HTTP: the mask and the overlay PNG of an uploaded slide, their geometry headers,
 * and the errors (401, 404, 400 maxSide, 422 unreadable file) as problem+json.
 */
class TissueQcIntegrationTests extends SlideIntegrationTestSupport {

    private static final Path SLIDES = Path.of(System.getProperty("hipt.shared.dir", "../shared"), "fixtures",
            "slides");

    /** 4224 x 2112: a 66 x 33 mask at downsample 64, so that an overlay of maxSide 64 must shrink it. */
    private static final int WIDTH = 4224;
    private static final int HEIGHT = 2112;
    /** A pink (H&E-like) disc on white, centred in the left third. */
    private static final int BLOB_X = 1000;
    private static final int BLOB_Y = 1056;
    private static final int BLOB_R = 600;

    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5)).build();

    record Png(int status, java.net.http.HttpHeaders headers, byte[] body) {
        BufferedImage image() {
            try {
                BufferedImage image = ImageIO.read(new ByteArrayInputStream(body));
                assertThat(image).as("a decodable PNG").isNotNull();
                return image;
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        String header(String name) {
            return headers.firstValue(name).orElseThrow(() -> new AssertionError("no header " + name));
        }

        String text() {
            return new String(body, StandardCharsets.UTF_8);
        }
    }

    @Test
    void servesMaskAndOverlayOfGeneratedImageWithTissueOnlyWhereThePinkBlobIs() {
        String id = upload("blob.png", blobPng(), "0.5");
        try {
            Png mask = fetch("/api/v1/slides/" + id + "/tissue/mask.png", CLIENT_KEY, "image/png");

            assertThat(mask.status()).as(mask.text()).isEqualTo(200);
            assertThat(mask.header("Content-Type")).isEqualTo("image/png");
            assertThat(mask.header("X-Tissue-Downsample")).isEqualTo("64");
            assertThat(mask.header("X-Tissue-Mask-Width")).isEqualTo("66");
            assertThat(mask.header("X-Tissue-Mask-Height")).isEqualTo("33");
            assertThat(mask.header("X-Slide-Width")).isEqualTo(Integer.toString(WIDTH));
            assertThat(mask.header("X-Slide-Height")).isEqualTo(Integer.toString(HEIGHT));
            double disc = Math.PI * BLOB_R * BLOB_R / ((double) WIDTH * HEIGHT);
            assertThat(Double.parseDouble(mask.header("X-Tissue-Fraction"))).isCloseTo(disc, Offset.offset(0.03));
            BufferedImage image = mask.image();
            assertThat(image.getWidth()).isEqualTo(66);
            assertThat(image.getHeight()).isEqualTo(33);
            int tissue = 0;
            for (int y = 0; y < image.getHeight(); y++) {
                for (int x = 0; x < image.getWidth(); x++) {
                    int gray = image.getRaster().getSample(x, y, 0);
                    assertThat(gray).as("binary mask at %d,%d", x, y).isIn(0, 255);
                    double dx = (x + 0.5) * 64 - BLOB_X;
                    double dy = (y + 0.5) * 64 - BLOB_Y;
                    double distance = Math.sqrt(dx * dx + dy * dy);
                    if (distance < BLOB_R - 128) {
                        assertThat(gray).as("tissue inside the blob at %d,%d", x, y).isEqualTo(255);
                    } else if (distance > BLOB_R + 128) {
                        assertThat(gray).as("no tissue on the white part at %d,%d", x, y).isZero();
                    }
                    tissue += gray == 255 ? 1 : 0;
                }
            }
            assertThat(tissue).isGreaterThan(200);

            Png overlay = fetch("/api/v1/slides/" + id + "/tissue/overlay.png", CLIENT_KEY, null);

            assertThat(overlay.status()).as(overlay.text()).isEqualTo(200);
            assertThat(overlay.header("Content-Type")).isEqualTo("image/png");
            assertThat(overlay.header("X-Tissue-Downsample")).isEqualTo("64");
            assertThat(overlay.header("X-Tissue-Fraction")).isEqualTo(mask.header("X-Tissue-Fraction"));
            BufferedImage full = overlay.image();
            // the canvas covers the slide (4224 x 2112) and the planned grid (one 4096 region at 0.5 um/px)
            assertThat(Math.max(full.getWidth(), full.getHeight())).as("default maxSide 1024").isEqualTo(1024);
            double ds = Double.parseDouble(overlay.header("X-Overlay-Downsample"));
            assertThat(ds).isEqualTo(4224 / 1024.0);
            assertThat(full.getHeight()).isEqualTo((int) Math.round(4096 / ds));
            assertThat(full.getRGB((int) (3800 / ds), (int) (1056 / ds)) & 0xffffff).as("white background untouched")
                    .isEqualTo(0xffffff);
            int centre = full.getRGB((int) (BLOB_X / ds), (int) (BLOB_Y / ds));
            assertThat((centre >> 16) & 0xff).as("tissue shows the H&E, not a green wash: %06x", centre & 0xffffff)
                    .isGreaterThan((centre >> 8) & 0xff);
            boolean outlined = false;
            // the mask's pixels are 64 level-0 px: its edge lies within one of them of the blob's
            for (int x = (int) ((BLOB_X - BLOB_R - 80) / ds); x <= (int) ((BLOB_X - BLOB_R + 80) / ds); x++) {
                outlined |= (full.getRGB(x, (int) (BLOB_Y / ds)) & 0xffffff) == TissueQcOverlay.OUTLINE;
            }
            assertThat(outlined).as("the mask's outline at the blob's left edge").isTrue();
            assertThat(full.getRGB(0, (int) (300 / ds)) & 0xffffff).as("the region grid's left edge")
                    .isEqualTo(TissueQcOverlay.GRID);
            assertThat(full.getRGB((int) (2000 / ds), (int) (3000 / ds)) & 0xffffff).as("below the slide: outside")
                    .isIn(TissueQcOverlay.OUTSIDE, TissueQcOverlay.OUTSIDE_HATCH);

            Png small = fetch("/api/v1/slides/" + id + "/tissue/overlay.png?maxSide=64", CLIENT_KEY, null);

            assertThat(small.status()).isEqualTo(200);
            BufferedImage shrunk = small.image();
            assertThat(shrunk.getWidth()).isEqualTo(64);
            assertThat(shrunk.getHeight()).isEqualTo(62);
        } finally {
            delete("/api/v1/slides/" + id);
        }
    }

    /**
     * The overlay is built from the slide's own pixels (a chunked ~64x read), never from the label or macro
     * images an SVS also carries. Comparing pixels against those images is not practical here; what can be checked
     * is that the overlay has exactly the mask's geometry, which a label or macro image would not.
     */
    @Test
    void servesMaskAndOverlayOfRealSvsAtTheMaskGeometry() throws IOException {
        Path svs = SLIDES.resolve("small_HE.svs");
        assumeTrue(Files.isRegularFile(svs), svs + " absent: skipping the real-slide tissue QC");
        String id = upload("small_HE.svs", Files.readAllBytes(svs), null);
        try {
            Png mask = fetch("/api/v1/slides/" + id + "/tissue/mask.png", CLIENT_KEY, null);

            assertThat(mask.status()).as(mask.text()).isEqualTo(200);
            BufferedImage maskImage = mask.image();
            // 2220 x 2967 at level 0, one level: averaged by 64, rounded up
            assertThat(maskImage.getWidth()).isEqualTo(35);
            assertThat(maskImage.getHeight()).isEqualTo(47);
            assertThat(mask.header("X-Tissue-Mask-Width")).isEqualTo("35");
            assertThat(mask.header("X-Tissue-Mask-Height")).isEqualTo("47");
            assertThat(mask.header("X-Tissue-Downsample")).isEqualTo("64");
            assertThat(Double.parseDouble(mask.header("X-Tissue-Fraction"))).isBetween(0.05, 1.0);
            int[] gray = maskImage.getRaster().getSamples(0, 0, 35, 47, 0, (int[]) null);
            assertThat(Arrays.stream(gray).filter(v -> v == 255).count()).as("tissue pixels").isPositive();

            Png overlay = fetch("/api/v1/slides/" + id + "/tissue/overlay.png", CLIENT_KEY, null);

            assertThat(overlay.status()).as(overlay.text()).isEqualTo(200);
            BufferedImage picture = overlay.image();
            double ds = Double.parseDouble(overlay.header("X-Overlay-Downsample"));
            assertThat(Math.max(picture.getWidth(), picture.getHeight())).as("default maxSide 1024, far above the"
                    + " 35 x 47 mask").isEqualTo(1024);
            // read from the slide, not the mask enlarged: one mask pixel's 64 x 64 level-0 block shows many colours
            java.util.Set<Integer> colours = new java.util.HashSet<>();
            for (int y = (int) (1024 / ds); y < (int) (1088 / ds); y++) {
                for (int x = (int) (1024 / ds); x < (int) (1088 / ds); x++) {
                    colours.add(picture.getRGB(x, y));
                }
            }
            assertThat(colours.size()).as("colours within one mask pixel").isGreaterThan(20);
            // the grid reaches past the 2220 x 2967 slide: that part is drawn as outside
            assertThat(picture.getWidth() * ds).isGreaterThan(2220);
            assertThat(picture.getRGB((int) (2600 / ds), (int) (1500 / ds)) & 0xffffff).as("right of the slide")
                    .isIn(TissueQcOverlay.OUTSIDE, TissueQcOverlay.OUTSIDE_HATCH);
            assertThat(picture.getRGB((int) (1500 / ds), (int) (1500 / ds)) & 0xffffff).as("on the slide")
                    .isNotIn(TissueQcOverlay.OUTSIDE, TissueQcOverlay.OUTSIDE_HATCH);
        } finally {
            delete("/api/v1/slides/" + id);
        }
    }

    @Test
    void refusesWithoutKey() {
        String path = "/api/v1/slides/" + UUID.randomUUID() + "/tissue/";
        for (String endpoint : List.of("mask.png", "overlay.png")) {
            Png answer = fetch(path + endpoint, null, null);

            assertThat(answer.status()).as(endpoint).isEqualTo(401);
            assertThat(answer.header("Content-Type")).startsWith("application/problem+json");
        }
    }

    @Test
    void answersNotFoundForUnknownSlideAsProblemEvenWhenPngIsAccepted() {
        String path = "/api/v1/slides/" + UUID.randomUUID() + "/tissue/";
        for (String endpoint : List.of("mask.png", "overlay.png")) {
            for (String accept : java.util.Arrays.asList(null, "image/png")) {
                Png answer = fetch(path + endpoint, CLIENT_KEY, accept);

                assertThat(answer.status()).as(endpoint + " " + accept).isEqualTo(404);
                assertThat(answer.header("Content-Type")).startsWith("application/problem+json");
                assertThat(json(answer).path("code").asString()).isEqualTo("NOT_FOUND");
            }
        }
    }

    /**
     * The Accept headers generated clients send for these operations: openapi-generator's Java client (library
     * native) lists the documented types ({@code image/png, application/problem+json}); its Python client sends only
     * the first type that contains "json" ({@code select_header_accept}), here {@code application/problem+json}.
     */
    static final List<String> CLIENT_ACCEPTS = Arrays.asList("image/png, application/problem+json",
            "application/problem+json", "application/json", "*/*", null);

    @Test
    void servesPngsToGeneratedClientsWhateverTheyAccept() {
        String id = upload("accept.png", uniquePng(), "0.5");
        for (String endpoint : List.of("mask.png", "overlay.png")) {
            for (String accept : CLIENT_ACCEPTS) {
                String path = "/api/v1/slides/" + id + "/tissue/" + endpoint;
                Png answer = fetch(path, CLIENT_KEY, accept);

                assertThat(answer.status()).as(endpoint + " Accept: " + accept + " " + answer.text()).isEqualTo(200);
                assertThat(answer.header("Content-Type")).isEqualTo("image/png");
                assertThat(answer.image().getWidth()).isPositive();
                dev.hipt.OpenApiResponseValidator.instance().assertValid("GET", path, 200,
                        answer.header("Content-Type"), "");
            }
        }
    }

    @Test
    void answersErrorsToGeneratedClientsAsProblems() {
        for (String endpoint : List.of("mask.png", "overlay.png")) {
            for (String accept : CLIENT_ACCEPTS) {
                String path = "/api/v1/slides/" + UUID.randomUUID() + "/tissue/" + endpoint;
                Png answer = fetch(path, CLIENT_KEY, accept);

                assertThat(answer.status()).as(endpoint + " Accept: " + accept).isEqualTo(404);
                assertThat(answer.header("Content-Type")).startsWith("application/problem+json");
                assertThat(json(answer).path("code").asString()).isEqualTo("NOT_FOUND");
                dev.hipt.OpenApiResponseValidator.instance().assertValid("GET", path, 404,
                        answer.header("Content-Type"), answer.text());
            }
        }
    }

    @Test
    void refusesOverlaySizesOutsideTheBounds() {
        String path = "/api/v1/slides/" + UUID.randomUUID() + "/tissue/overlay.png?maxSide=";
        for (String maxSide : List.of("63", "4097", "0", "-1", "abc")) {
            Png answer = fetch(path + maxSide, CLIENT_KEY, "image/png");

            assertThat(answer.status()).as(maxSide).isEqualTo(400);
            assertThat(answer.header("Content-Type")).startsWith("application/problem+json");
            assertThat(json(answer).path("code").asString()).as(maxSide).isEqualTo("VALIDATION_FAILED");
        }
    }

    @Test
    void answersSlideErrorWhenTheStoredFileCannotBeRead() throws IOException {
        byte[] png = uniquePng();
        String id = upload("broken.png", png, "0.5");
        try {
            List<Path> blobs = filesUnder("blobs").stream()
                    .filter(file -> file.getFileName().toString().equals("broken.png")).toList();
            assertThat(blobs).hasSize(1);
            // keep the PNG signature and header, cut the pixel data: it opens but cannot be decoded
            Files.write(blobs.get(0), Arrays.copyOf(png, 60));

            Png answer = fetch("/api/v1/slides/" + id + "/tissue/mask.png", CLIENT_KEY, "image/png");

            assertThat(answer.status()).as(answer.text()).isEqualTo(422);
            assertThat(answer.header("Content-Type")).startsWith("application/problem+json");
            assertThat(json(answer).path("code").asString()).isIn("CORRUPT_SLIDE", "UNSUPPORTED_FORMAT");
        } finally {
            delete("/api/v1/slides/" + id);
        }
    }

    @Test
    void openApiDocumentDescribesPngBodiesAndGeometryHeaders() {
        JsonNode doc = get("/v3/api-docs", null).json();

        for (String path : List.of("/api/v1/slides/{id}/tissue/mask.png", "/api/v1/slides/{id}/tissue/overlay.png")) {
            JsonNode get = doc.path("paths").path(path).path("get");
            JsonNode ok = get.path("responses").path("200");
            JsonNode schema = ok.path("content").path("image/png").path("schema");
            assertThat(schema.path("type").toString()).as(path).contains("string");
            assertThat(schema.path("format").asString()).as(path).isEqualTo("binary");
            assertThat(ok.path("headers").has("X-Tissue-Downsample")).as(path).isTrue();
            assertThat(ok.path("headers").has("X-Tissue-Fraction")).as(path).isTrue();
            assertThat(get.path("responses").path("404").path("content").path("application/problem+json")
                    .path("schema").path("$ref").asString()).as(path).endsWith("/Problem");
        }
        JsonNode maxSide = doc.path("paths").path("/api/v1/slides/{id}/tissue/overlay.png").path("get")
                .path("parameters").get(1);
        assertThat(maxSide.path("name").asString()).isEqualTo("maxSide");
        assertThat(maxSide.path("schema").path("maximum").asInt()).isEqualTo(4096);
    }

    private String upload(String filename, byte[] content, String mpp) {
        Answer answer = uploadMultipart(filename, content, mpp == null ? Map.of() : Map.of("mpp", mpp));
        assertThat(answer.status()).as(answer.body()).isIn(200, 202);
        return answer.json().path("slide").path("id").asString();
    }

    private Png fetch(String path, String apiKey, String accept) {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(baseUrl() + path)).GET();
        if (apiKey != null) {
            request.header("X-API-Key", apiKey);
        }
        if (accept != null) {
            request.header("Accept", accept);
        }
        try {
            HttpResponse<byte[]> response = http.send(request.build(), HttpResponse.BodyHandlers.ofByteArray());
            return new Png(response.statusCode(), response.headers(), response.body());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private static JsonNode json(Png answer) {
        return new Answer(answer.status(), answer.headers(), answer.text()).json();
    }

    private static byte[] blobPng() {
        BufferedImage image = new BufferedImage(WIDTH, HEIGHT, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = image.createGraphics();
        try {
            g.setColor(Color.WHITE);
            g.fillRect(0, 0, WIDTH, HEIGHT);
            g.setColor(new Color(0xD9, 0x8F, 0xBF));
            g.fillOval(BLOB_X - BLOB_R, BLOB_Y - BLOB_R, 2 * BLOB_R, 2 * BLOB_R);
        } finally {
            g.dispose();
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try {
            ImageIO.write(image, "png", out);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }
}
