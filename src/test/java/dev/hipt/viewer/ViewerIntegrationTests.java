package dev.hipt.viewer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.hipt.OpenApiResponseValidator;
import dev.hipt.ServiceIntegrationTestSupport;
import dev.hipt.TinyCheckpoints;
import dev.hipt.wsi.RgbImage;
import dev.hipt.wsi.WholeSlideImage;
import dev.hipt.wsi.WholeSlideImages;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpHeaders;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.openqa.selenium.By;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.logging.LogEntry;
import org.openqa.selenium.logging.LogType;
import org.openqa.selenium.support.ui.WebDriverWait;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The slide's Deep Zoom tiles and heatmap layers over real HTTP, with a real fixture slide (small_HE.svs, read by
 * OpenSlide) analysed by the real pipeline with tiny checkpoints. Uploaded with an MPP of 1.0, the slide gets a
 * grid of 2048 level-0 pixel regions (2 x 2), so that the heatmap has regions with different scores.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ViewerIntegrationTests extends ServiceIntegrationTestSupport {

    static final Path SLIDE = Path.of(System.getProperty("hipt.shared.dir", "../shared"), "fixtures", "slides",
            "small_HE.svs");
    private static final JsonMapper JSON = JsonMapper.builder().build();
    /** small_HE.svs is 2220 x 2967: 13 Deep Zoom levels (2^12 = 4096 >= 2967). */
    private static final int TOP = 12;

    @DynamicPropertySource
    static void properties(DynamicPropertyRegistry registry) throws IOException {
        Map<String, String> weights = TinyCheckpoints.write(Files.createTempDirectory("hipt-viewer-weights-"));
        weights.forEach((name, value) -> registry.add(name, () -> value));
        registry.add("hipt.upload.isolate-readers", () -> "false");
        registry.add("hipt.job.polling-interval", () -> "200ms");
        registry.add("hipt.job.read-ahead", () -> "1");
        registry.add("hipt.job.batch-regions", () -> "1");
        registry.add("hipt.viewer.tile-read-wait", () -> "300ms");
    }

    @Autowired
    DeepZoomTiles tiles;

    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5)).build();

    String slideId;

    record Answer(int status, HttpHeaders headers, byte[] body) {
        String text() {
            return new String(body, StandardCharsets.UTF_8);
        }

        JsonNode json() {
            return JSON.readTree(text());
        }

        String header(String name) {
            return headers.firstValue(name).orElseThrow(() -> new AssertionError("no header " + name));
        }

        BufferedImage image() {
            try {
                BufferedImage image = ImageIO.read(new ByteArrayInputStream(body));
                assertThat(image).as("a decodable image").isNotNull();
                return image;
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }

    @BeforeAll
    void uploadAndAnalyseTheFixtureSlide() {
        assumeTrue(Files.isRegularFile(SLIDE), "fixture " + SLIDE + " is absent: skipping the viewer tests");
        assumeTrue(WholeSlideImages.openSlideAvailable(), "libopenslide0 is not installed: skipping the viewer tests");
        Answer upload = upload(SLIDE, "1.0");
        assertThat(upload.status()).as(upload.text()).isEqualTo(202);
        slideId = upload.json().path("slide").path("id").asString();
        String jobId = upload.json().path("job").path("id").asString();
        await("the analysis of small_HE.svs").atMost(Duration.ofMinutes(3)).pollInterval(Duration.ofMillis(500))
                .until(() -> {
                    String status = get("/api/v1/jobs/" + jobId, CLIENT_KEY).json().path("status").asString();
                    assertThat(status).as("job status").isNotIn("FAILED", "CANCELLED");
                    return status.equals("SUCCEEDED");
                });
    }

    @Test
    void descriptorGivesTheSlidesSizeAndTileGeometry() {
        Answer dzi = get("/api/v1/slides/" + slideId + "/dzi", CLIENT_KEY);

        assertThat(dzi.status()).isEqualTo(200);
        assertThat(dzi.header("Content-Type")).startsWith("application/xml");
        assertThat(dzi.text()).contains("xmlns=\"http://schemas.microsoft.com/deepzoom/2008\"")
                .contains("TileSize=\"254\"").contains("Overlap=\"1\"").contains("Format=\"jpeg\"")
                .contains("<Size Width=\"2220\" Height=\"2967\"/>");
    }

    @Test
    void fullResolutionTileIsTheSlidesPixels() throws IOException {
        Answer tile = get("/api/v1/slides/" + slideId + "/dzi_files/" + TOP + "/1_2.jpeg", CLIENT_KEY);

        assertThat(tile.status()).as(tile.text()).isEqualTo(200);
        assertThat(tile.header("Content-Type")).isEqualTo("image/jpeg");
        BufferedImage image = tile.image();
        assertThat(image.getWidth()).as("254 + an overlap on both sides").isEqualTo(256);
        assertThat(image.getHeight()).isEqualTo(256);
        try (WholeSlideImage slide = WholeSlideImages.open(SLIDE)) {
            RgbImage expected = slide.readRegion(0, 253, 507, 256, 256);
            assertThat(meanAbsoluteDifference(image, expected)).as("JPEG of the level-0 read").isLessThan(6);
        }
    }

    @Test
    void coarsestLevelIsOnePixelAndAMiddleLevelIsScaledDown() throws IOException {
        BufferedImage one = get("/api/v1/slides/" + slideId + "/dzi_files/0/0_0.jpeg", CLIENT_KEY).image();
        assertThat(one.getWidth()).isEqualTo(1);
        assertThat(one.getHeight()).isEqualTo(1);

        // level 9: 278 x 371 pixels (8 x downsampled), two tiles across and down
        Answer tile = get("/api/v1/slides/" + slideId + "/dzi_files/9/0_0.jpeg", CLIENT_KEY);
        assertThat(tile.status()).isEqualTo(200);
        BufferedImage image = tile.image();
        assertThat(image.getWidth()).isEqualTo(255);
        assertThat(image.getHeight()).isEqualTo(255);
        try (WholeSlideImage slide = WholeSlideImages.open(SLIDE)) {
            RgbImage full = slide.readRegion(0, 0, 0, 255 * 8, 255 * 8);
            BufferedImage expected = TileImages.scaled(full, 255, 255);
            assertThat(meanAbsoluteDifference(image, rgb(expected)))
                    .as("the 8 x box-filtered level-0 pixels").isLessThan(8);
        }
    }

    @Test
    void tilesCarryCacheHeadersAndAnswer304ToTheirETag() {
        String path = "/api/v1/slides/" + slideId + "/dzi_files/" + TOP + "/0_0.jpeg";
        Answer first = get(path, CLIENT_KEY);

        assertThat(first.status()).isEqualTo(200);
        String etag = first.header("ETag");
        assertThat(etag).matches("\"[0-9a-f]{32}\"");
        assertThat(first.header("Cache-Control")).contains("max-age=86400").contains("private");
        assertThat(get("/api/v1/slides/" + slideId + "/dzi_files/" + TOP + "/1_0.jpeg", CLIENT_KEY)
                .header("ETag")).as("another tile, another ETag").isNotEqualTo(etag);

        Answer again = send(request(path, CLIENT_KEY).header("If-None-Match", etag).GET().build());
        assertThat(again.status()).isEqualTo(304);
        assertThat(again.body()).isEmpty();
        assertThat(again.header("ETag")).isEqualTo(etag);

        Answer other = send(request(path, CLIENT_KEY).header("If-None-Match", "\"something-else\"").GET().build());
        assertThat(other.status()).isEqualTo(200);
        assertThat(other.body()).isEqualTo(first.body());
    }

    @Test
    void tileOutsideTheImageIs404ProblemJsonWithAStableCode() {
        for (String tile : List.of(TOP + "/9_0", TOP + "/0_12", (TOP + 1) + "/0_0", "-1/0_0", "0/1_0",
                "overlays/tissue-fraction/dzi_files/" + TOP + "/9_0")) {
            String path = tile.startsWith("overlays") ? "/api/v1/slides/" + slideId + "/" + tile + ".png"
                    : "/api/v1/slides/" + slideId + "/dzi_files/" + tile + ".jpeg";
            Answer answer = get(path, CLIENT_KEY);
            assertThat(answer.status()).as(path).isEqualTo(404);
            assertThat(answer.header("Content-Type")).startsWith("application/problem+json");
            assertThat(answer.json().path("code").asString()).as(path).isEqualTo("TILE_NOT_FOUND");
        }
        Answer notANumber = get("/api/v1/slides/" + slideId + "/dzi_files/x/0_0.jpeg", CLIENT_KEY);
        assertThat(notANumber.status()).isEqualTo(400);
        Answer noSlide = get("/api/v1/slides/00000000-0000-0000-0000-000000000000/dzi_files/0/0_0.jpeg",
                CLIENT_KEY);
        assertThat(noSlide.status()).isEqualTo(404);
        assertThat(noSlide.json().path("code").asString()).isEqualTo("NOT_FOUND");
        Answer noLayer = get("/api/v1/slides/" + slideId + "/overlays/no-such-layer/dzi", CLIENT_KEY);
        assertThat(noLayer.status()).isEqualTo(404);
        assertThat(noLayer.json().path("code").asString()).isEqualTo("LAYER_NOT_FOUND");
        Answer noKey = get("/api/v1/slides/" + slideId + "/dzi_files/" + TOP + "/0_0.jpeg", null);
        assertThat(noKey.status()).isEqualTo(401);
    }

    @Test
    void tileReadsOverTheBoundAnswer503WithRetryAfter() {
        int drained = tiles.reads().drainPermits();
        try {
            Answer busy = get("/api/v1/slides/" + slideId + "/dzi_files/" + (TOP - 1) + "/2_2.jpeg", CLIENT_KEY);

            assertThat(busy.status()).as(busy.text()).isEqualTo(503);
            assertThat(busy.json().path("code").asString()).isEqualTo("TILES_BUSY");
            assertThat(busy.header("Retry-After")).isEqualTo("1");
        } finally {
            tiles.reads().release(drained);
        }
        assertThat(get("/api/v1/slides/" + slideId + "/dzi_files/" + (TOP - 1) + "/2_2.jpeg", CLIENT_KEY).status())
                .as("the same tile once a read is free").isEqualTo(200);
    }

    @Test
    void tileReadsCloseTheSlideEvenWhenTheClientHangsUp() throws Exception {
        // clients that send a tile request and close the connection at once, on tiles no one asked for yet
        for (int col = 0; col < 8; col++) {
            try (Socket socket = new Socket("localhost", port)) {
                OutputStream out = socket.getOutputStream();
                out.write(("GET /api/v1/slides/" + slideId + "/dzi_files/" + TOP + "/" + col + "_5.jpeg HTTP/1.1\r\n"
                        + "Host: localhost\r\nX-API-Key: " + CLIENT_KEY + "\r\n\r\n")
                        .getBytes(StandardCharsets.ISO_8859_1));
                out.flush();
            }
        }
        assertThat(get("/api/v1/slides/" + slideId + "/dzi_files/" + TOP + "/3_3.jpeg", CLIENT_KEY).status())
                .isEqualTo(200);

        await("no open file of the stored slide").atMost(Duration.ofSeconds(10))
                .untilAsserted(() -> assertThat(openSlideFiles()).isEmpty());
    }

    @Test
    void overlayLayerHasTheSlidesGeometryAndColoursEachRegionByItsScore() {
        Answer overlays = get("/api/v1/slides/" + slideId + "/overlays", CLIENT_KEY);
        assertThat(overlays.status()).as(overlays.text()).isEqualTo(200);
        JsonNode layers = overlays.json().path("layers");
        List<String> names = new ArrayList<>();
        layers.forEach(layer -> names.add(layer.path("name").asString()));
        assertThat(names).contains("tissue-fraction");
        List<JsonNode> regions = new ArrayList<>();
        overlays.json().path("regions").forEach(regions::add);
        assertThat(regions).as("the 2 x 2 grid of 2048-pixel regions, or the part of it with tissue")
                .hasSizeBetween(1, 4);

        Answer dzi = get("/api/v1/slides/" + slideId + "/overlays/tissue-fraction/dzi", CLIENT_KEY);
        assertThat(dzi.text()).contains("Format=\"png\"").contains("<Size Width=\"2220\" Height=\"2967\"/>");

        // level 8: 278 x 371 / 2 = 139 x 186 pixels, one tile; 16 level-0 pixels per pixel
        Answer tile = get("/api/v1/slides/" + slideId + "/overlays/tissue-fraction/dzi_files/8/0_0.png",
                CLIENT_KEY);
        assertThat(tile.status()).as(tile.text()).isEqualTo(200);
        assertThat(tile.header("Content-Type")).isEqualTo("image/png");
        assertThat(tile.header("Cache-Control")).contains("no-cache");
        BufferedImage image = tile.image();
        assertThat(image.getWidth()).isEqualTo(139);
        assertThat(image.getHeight()).isEqualTo(186);
        for (JsonNode region : regions) {
            double score = region.path("scores").path("tissue-fraction").asDouble();
            int x = (int) (centre(region, "x", "width", 2220) / 16);
            int y = (int) (centre(region, "y", "height", 2967) / 16);
            assertThat(image.getRGB(x, y)).as("region %s (score %s)", region.path("index"), score)
                    .isEqualTo(0xff000000 | ViewerLayer.jet(score));
        }
        boolean[][] covered = new boolean[image.getWidth()][image.getHeight()];
        for (JsonNode region : regions) {
            for (long x = region.path("x").asLong() / 16; x < Math.min(image.getWidth(),
                    (region.path("x").asLong() + region.path("width").asLong()) / 16); x++) {
                for (long y = region.path("y").asLong() / 16; y < Math.min(image.getHeight(),
                        (region.path("y").asLong() + region.path("height").asLong()) / 16); y++) {
                    covered[(int) x][(int) y] = true;
                }
            }
        }
        for (int x = 0; x < image.getWidth(); x++) {
            for (int y = 0; y < image.getHeight(); y++) {
                if (!covered[x][y]) {
                    assertThat(image.getRGB(x, y) >>> 24).as("transparent outside the regions at %d,%d", x, y)
                            .isZero();
                }
            }
        }
        String etag = tile.header("ETag");
        Answer again = send(request("/api/v1/slides/" + slideId + "/overlays/tissue-fraction/dzi_files/8/0_0.png",
                CLIENT_KEY).header("If-None-Match", etag).GET().build());
        assertThat(again.status()).isEqualTo(304);
    }

    @Test
    void viewerPageShowsTheSlideAndAHeatmapLayerThatTogglesInHeadlessChromium() throws Exception {
        assumeTrue(HeadlessChromium.installed(), "Chromium is not installed (" + HeadlessChromium.BROWSER + ", "
                + HeadlessChromium.DRIVER + "; Debian packages chromium and chromium-driver): skipping the"
                + " browser test");
        ChromeDriver browser = HeadlessChromium.start();
        try {
            browser.get(baseUrl() + "/viewer/slides/" + slideId);
            WebDriverWait wait = new WebDriverWait(browser, Duration.ofSeconds(60));
            wait.until(d -> "login".equals(state(d)));
            assertThat(browser.getCurrentUrl()).doesNotContain(CLIENT_KEY);
            browser.findElement(By.id("api-key")).sendKeys(CLIENT_KEY);
            browser.findElement(By.cssSelector("#login button")).click();

            wait.until(d -> "ready".equals(state(d)));
            wait.until(d -> Boolean.TRUE.equals(browser.executeScript("""
                    const s = window.hiptViewer;
                    return s.slideTilesLoaded > 0 && s.overlayTilesLoaded > 0 && s.viewer.world.getItemCount() === 2
                        && !s.viewer.world.needsDraw();""")));
            assertThat(browser.getCurrentUrl()).as("the key never goes into the URL").doesNotContain(CLIENT_KEY);
            assertThat(browser.findElement(By.id("job")).getText()).startsWith("SUCCEEDED");
            assertThat(browser.findElement(By.id("title")).getText()).isEqualTo("small_HE.svs");
            assertThat(browser.findElements(By.cssSelector(".region-box"))).as("the region grid").hasSize(2);
            assertThat(browser.findElement(By.id("scale-bar")).getText()).matches("\\d+ (µm|mm)");

            List<JsonNode> regions = new ArrayList<>();
            get("/api/v1/slides/" + slideId + "/overlays", CLIENT_KEY).json().path("regions").forEach(regions::add);
            JsonNode highest = regions.stream().max(java.util.Comparator.comparingDouble(
                    r -> r.path("scores").path("tissue-fraction").asDouble())).orElseThrow();
            long[] at = screenPoint(browser, centre(highest, "x", "width", 2220), centre(highest, "y", "height", 2967));
            BufferedImage withLayer = screenshot(browser);

            browser.findElement(By.id("overlay-on")).click();
            wait.until(d -> Boolean.TRUE.equals(browser.executeScript(
                    "return window.hiptViewer.overlay.getOpacity() === 0"
                    + " && !window.hiptViewer.viewer.world.needsDraw();")));
            BufferedImage without = screenshot(browser);

            int slide = without.getRGB((int) at[0], (int) at[1]);
            int expected = blend(ViewerLayer.jet(highest.path("scores").path("tissue-fraction").asDouble()), slide,
                    0.6);
            int shown = withLayer.getRGB((int) at[0], (int) at[1]);
            assertThat(channelDistance(shown, expected)).as("at the highest-scoring region: shown %06x, expected"
                    + " 60%% of the jet colour over the slide's %06x = %06x", shown & 0xffffff, slide & 0xffffff,
                    expected & 0xffffff).isLessThanOrEqualTo(12);
            assertThat(channelDistance(shown, slide)).as("the layer changes what is shown").isGreaterThan(30);

            Object errors = browser.executeScript("return window.hiptViewer.errors.concat(['failures '"
                    + " + window.hiptViewer.tileFailures]);");
            assertThat(errors.toString()).isEqualTo("[failures 0]");
            List<LogEntry> console = browser.manage().logs().get(LogType.BROWSER).getAll().stream()
                    .filter(entry -> entry.getLevel().intValue() >= java.util.logging.Level.WARNING.intValue())
                    .toList();
            assertThat(console).as("console warnings and errors").isEmpty();

            browser.findElement(By.id("overlay-on")).click();
            wait.until(d -> Boolean.TRUE.equals(browser.executeScript(
                    "return window.hiptViewer.overlay.getOpacity() > 0"
                    + " && !window.hiptViewer.viewer.world.needsDraw();")));
            byte[] png = browser.getScreenshotAs(OutputType.BYTES);
            Files.write(Files.createDirectories(Path.of("target")).resolve("viewer-screenshot.png"), png);
            String docs = System.getProperty("hipt.viewer.screenshot");
            if (docs != null && !docs.isBlank()) {
                Files.write(Path.of(docs), png);
            }
        } finally {
            browser.quit();
        }
    }

    private static String state(WebDriver browser) {
        return browser.findElement(By.tagName("body")).getAttribute("data-state");
    }

    /** Where a level-0 point of the slide is in the browser window's pixels. */
    private static long[] screenPoint(ChromeDriver browser, long x, long y) {
        @SuppressWarnings("unchecked")
        List<Number> point = (List<Number>) browser.executeScript("""
                const v = window.hiptViewer.viewer;
                const p = v.world.getItemAt(0).imageToViewerElementCoordinates(
                    new OpenSeadragon.Point(arguments[0], arguments[1]));
                const r = v.element.getBoundingClientRect();
                return [Math.round(r.left + p.x), Math.round(r.top + p.y)];""", x, y);
        return new long[] {point.get(0).longValue(), point.get(1).longValue()};
    }

    private static BufferedImage screenshot(ChromeDriver browser) throws IOException {
        return ImageIO.read(new ByteArrayInputStream(browser.getScreenshotAs(OutputType.BYTES)));
    }

    private static int blend(int top, int bottom, double alpha) {
        int rgb = 0;
        for (int shift = 16; shift >= 0; shift -= 8) {
            double value = alpha * ((top >> shift) & 0xff) + (1 - alpha) * ((bottom >> shift) & 0xff);
            rgb |= (int) Math.round(value) << shift;
        }
        return rgb;
    }

    private static int channelDistance(int a, int b) {
        int max = 0;
        for (int shift = 16; shift >= 0; shift -= 8) {
            max = Math.max(max, Math.abs(((a >> shift) & 0xff) - ((b >> shift) & 0xff)));
        }
        return max;
    }

    @Test
    void attentionLayerDrawsTheViT4kAttentionInsideTheRegionsWithTheSlidesGeometry() {
        JsonNode overlays = get("/api/v1/slides/" + slideId + "/overlays", CLIENT_KEY).json();
        List<String> names = new ArrayList<>();
        overlays.path("layers").forEach(layer -> names.add(layer.path("name").asString()));
        assertThat(names).as("layers of an analysis with the models that made it loaded").contains("attention4k");

        Answer dzi = get("/api/v1/slides/" + slideId + "/overlays/attention4k/dzi", CLIENT_KEY);
        assertThat(dzi.text()).contains("<Size Width=\"2220\" Height=\"2967\"/>");
        // level 12 (full resolution), the tile at column 1, row 1: level-0 [253, 509) x [253, 509), in region 0
        Answer tile = get("/api/v1/slides/" + slideId + "/overlays/attention4k/dzi_files/12/1_1.png", CLIENT_KEY);
        assertThat(tile.status()).as(tile.text()).isEqualTo(200);
        BufferedImage image = tile.image();
        assertThat(image.getWidth()).isEqualTo(256);
        java.util.Set<Integer> colours = new java.util.HashSet<>();
        for (int y = 0; y < image.getHeight(); y++) {
            for (int x = 0; x < image.getWidth(); x++) {
                assertThat(image.getRGB(x, y) >>> 24).as("opaque inside region 0 at %d,%d", x, y).isEqualTo(255);
                colours.add(image.getRGB(x, y));
            }
        }
        // 2048 level-0 pixels per region side are 16 cells of 128: the tile spans 3 cells across and down
        assertThat(colours.size()).as("the attention varies between the cells of the region").isBetween(2, 9);
        // beyond the analysed column of regions (x >= 2048) the layer is transparent
        BufferedImage edge = get("/api/v1/slides/" + slideId + "/overlays/attention4k/dzi_files/12/8_0.png",
                CLIENT_KEY).image();
        assertThat(edge.getRGB(edge.getWidth() - 1, 10) >>> 24).isZero();
    }

    /** The middle of the part of the region that lies on the slide, along one axis, level-0 pixels. */
    static long centre(JsonNode region, String at, String size, long slideSize) {
        long start = region.path(at).asLong();
        return (start + Math.min(slideSize, start + region.path(size).asLong())) / 2;
    }

    /** Open file descriptors of this JVM that point into the data directory's blobs (the stored slide). */
    private List<Path> openSlideFiles() throws IOException {
        Path blobs = dataDirectory().toRealPath();
        List<Path> open = new ArrayList<>();
        try (Stream<Path> fds = Files.list(Path.of("/proc/self/fd"))) {
            for (Path fd : fds.toList()) {
                try {
                    Path target = Files.readSymbolicLink(fd);
                    if (target.startsWith(blobs) && !target.toString().contains("/db/")) {
                        open.add(target);
                    }
                } catch (IOException gone) {
                    // closed while listing
                }
            }
        }
        return open;
    }

    static double meanAbsoluteDifference(BufferedImage actual, RgbImage expected) {
        assertThat(actual.getWidth()).isEqualTo(expected.width());
        assertThat(actual.getHeight()).isEqualTo(expected.height());
        long sum = 0;
        byte[] rgb = expected.rgb();
        for (int y = 0; y < expected.height(); y++) {
            for (int x = 0; x < expected.width(); x++) {
                int p = actual.getRGB(x, y);
                int i = (y * expected.width() + x) * 3;
                sum += Math.abs(((p >> 16) & 0xff) - (rgb[i] & 0xff))
                        + Math.abs(((p >> 8) & 0xff) - (rgb[i + 1] & 0xff))
                        + Math.abs((p & 0xff) - (rgb[i + 2] & 0xff));
            }
        }
        return sum / (3.0 * expected.width() * expected.height());
    }

    /** Every tile of every level of every listed layer, the edge tiles included, exists (issue: stray 404s). */
    @Test
    void everyOverlayTileOfEveryLevelOfEveryLayerIsServed() {
        Answer overlays = get("/api/v1/slides/" + slideId + "/overlays", CLIENT_KEY);
        assertThat(overlays.status()).as(overlays.text()).isEqualTo(200);
        List<String> layers = new ArrayList<>();
        overlays.json().path("layers").forEach(layer -> layers.add(layer.path("name").asString()));
        assertThat(layers).contains("tissue-fraction", "attention4k");
        List<String> failed = new ArrayList<>();
        for (String layer : layers) {
            long width = 2220;
            long height = 2967;
            for (int level = TOP; level >= 0; level--) {
                for (long col = 0; col * 254 < width; col++) {
                    for (long row = 0; row * 254 < height; row++) {
                        String path = "/api/v1/slides/" + slideId + "/overlays/" + layer + "/dzi_files/" + level
                                + "/" + col + "_" + row + ".png";
                        Answer tile = get(path, CLIENT_KEY);
                        if (tile.status() != 200) {
                            failed.add(path + " -> " + tile.status() + " " + tile.text());
                        }
                    }
                }
                width = Math.max(1, (width + 1) / 2);
                height = Math.max(1, (height + 1) / 2);
            }
        }
        assertThat(failed).as("overlay tiles that did not answer 200").isEmpty();
    }

    private static RgbImage rgb(BufferedImage image) {
        byte[] rgb = new byte[image.getWidth() * image.getHeight() * 3];
        for (int y = 0; y < image.getHeight(); y++) {
            for (int x = 0; x < image.getWidth(); x++) {
                int p = image.getRGB(x, y);
                int i = (y * image.getWidth() + x) * 3;
                rgb[i] = (byte) (p >> 16);
                rgb[i + 1] = (byte) (p >> 8);
                rgb[i + 2] = (byte) p;
            }
        }
        return new RgbImage(image.getWidth(), image.getHeight(), rgb);
    }

    private Answer upload(Path file, String mpp) {
        try {
            String boundary = "viewer-" + System.nanoTime();
            ByteArrayOutputStream body = new ByteArrayOutputStream();
            body.writeBytes(("--" + boundary + "\r\nContent-Disposition: form-data; name=\"mpp\"\r\n\r\n" + mpp
                    + "\r\n--" + boundary + "\r\nContent-Disposition: form-data; name=\"file\"; filename=\""
                    + file.getFileName() + "\"\r\nContent-Type: application/octet-stream\r\n\r\n")
                    .getBytes(StandardCharsets.UTF_8));
            body.writeBytes(Files.readAllBytes(file));
            body.writeBytes(("\r\n--" + boundary + "--\r\n").getBytes(StandardCharsets.UTF_8));
            return send(request("/api/v1/slides", CLIENT_KEY)
                    .header("Content-Type", "multipart/form-data; boundary=" + boundary)
                    .POST(HttpRequest.BodyPublishers.ofByteArray(body.toByteArray())).build());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    Answer get(String path, String key) {
        return send(request(path, key).GET().build());
    }

    private HttpRequest.Builder request(String path, String key) {
        HttpRequest.Builder builder = HttpRequest.newBuilder(URI.create(baseUrl() + path))
                .timeout(Duration.ofSeconds(30));
        return key == null ? builder : builder.header("X-API-Key", key);
    }

    /** Sends and checks every {@code /api} answer against the OpenAPI document. */
    private Answer send(HttpRequest request) {
        try {
            HttpResponse<byte[]> response = http.send(request, HttpResponse.BodyHandlers.ofByteArray());
            Answer answer = new Answer(response.statusCode(), response.headers(), response.body());
            String type = response.headers().firstValue("Content-Type").orElse(null);
            boolean text = type == null || type.contains("json") || type.contains("xml");
            OpenApiResponseValidator.instance().assertValid(request.method(), request.uri().getRawPath(),
                    answer.status(), type, text ? answer.text() : "");
            return answer;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
