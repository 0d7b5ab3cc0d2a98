package dev.hipt;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.hipt.model.Safetensors;
import dev.hipt.model.SlideAggregator;
import dev.hipt.model.StateDict;
import dev.hipt.model.TorchCheckpointWriter;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.lang.management.ManagementFactory;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.test.context.ContextConfiguration;
import org.springframework.test.context.TestPropertySource;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The service used the way a LIMS and its administrators use it: several clients at once, for a while, over real
 * HTTP, against the whole service with the real job engine, database, blob store and HIPT model (seeded one-block
 * ViTs written as checkpoints, so analyses are real but quick). The clients send a few thousand mixed requests over
 * every route: uploads of new and repeated bytes, list, get, embeddings, patches, predictions and their
 * recomputation, similar slides, QC images, attention and slide heatmaps, Deep Zoom descriptors and tiles of the
 * slide and of its layers, GeoJSON and HDF5 exports, job polling and cancel, deletes (and reads of the slides being
 * deleted), the model registry (uploads, downloads, activations), label sets, head training and DINO pretraining
 * jobs, and hostile requests: unknown ids, bad JSON, wrong content types, truncated and garbage checkpoints,
 * oversize bodies, uploads cut short and downloads abandoned half way. Every answer must come within
 * {@link #ANSWER_BOUND} with the status its request calls for (never a 5xx), every error must be problem+json with
 * the stable code its request calls for, and every answer must match the OpenAPI document
 * ({@link OpenApiResponseValidator}). Afterwards no pooled connection is still in use, no temporary file is left,
 * and from the first half of the run to the second neither the heap after a full GC nor the open file descriptors,
 * the live threads or the resident set have grown beyond a bound; the service still answers a plain read quickly.
 *
 * <p>Every earlier test touched each path once; a connection that one GET never returned to the pool took the
 * service down after ten reads of one slide, and none of them noticed. This test is the one that does.
 */
@TestPropertySource(properties = {
        "hipt.model.device=cpu",
        "hipt.job.polling-interval=200ms",
        "hipt.job.max-queued=1000",
        "hipt.upload.max-size=8MB",
        "hipt.model.registry.max-upload-size=8MB",
        "hipt.model.registry.poll-interval=200ms",
        "hipt.pretraining.yield-delay=200ms",
        // Each new upload would start a child JVM for the crash probe (ReaderCrashGuardTests covers it); here it
        // would spend the run's time budget on JVM start-ups instead of requests.
        "hipt.upload.isolate-readers=false"})
@ContextConfiguration(initializers = TinyCheckpoints.Initializer.class)
class SoakIntegrationTests extends ServiceIntegrationTestSupport {

    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final int CLIENTS = 6;
    private static final int REQUESTS = 2400;
    private static final Duration RUN_LIMIT = Duration.ofSeconds(120);
    /** The slowest answer any request may take. */
    static final Duration ANSWER_BOUND = Duration.ofSeconds(10);
    /** What a plain read may take once the run is over: the service answers as it did before it. */
    private static final Duration QUIET_ANSWER_BOUND = Duration.ofSeconds(1);
    /** Retained heap the second half of the run may add to the first's. */
    private static final long HEAP_GROWTH_BOUND = 24L * 1024 * 1024;
    /**
     * Native resident memory (anonymous resident set after {@code malloc_trim}, less the JVM's committed heap and
     * non-heap) the second half may add to the first's. KNOWN OPEN: this measure swings by gigabytes in both
     * directions between quiet points (in nine runs on 2026-12-02 the second half added -0.2 to +1.6 GiB, the first
     * half once shed 1.4 GiB; with model activations, training and pretraining left out it still added 0.5-0.9 GiB),
     * while 100 consecutive encodes stay flat (NativeMemoryTests). What holds it is not found yet; until it is, the
     * bound only catches a gross leak.
     */
    private static final long RSS_GROWTH_BOUND = 3L * 1024 * 1024 * 1024;
    /** Open file descriptors the second half of the run may add to the first's (pooled sockets come and go). */
    private static final int FD_GROWTH_BOUND = 24;
    /** Live threads the second half of the run may add to the first's (pools grow to their bounds in the first). */
    private static final int THREAD_GROWTH_BOUND = 12;
    /** The upload limits configured above. */
    private static final long MAX_UPLOAD = 8L * 1024 * 1024;
    private static final Pattern ACTIVE_CONNECTIONS =
            Pattern.compile("(?m)^hikaricp_connections_active\\{[^}]*}\\s+(\\S+)$");
    private static final Pattern CODE = Pattern.compile("[A-Z][A-Z0-9_]+");
    private static final byte[] HDF5_SIGNATURE = {(byte) 0x89, 'H', 'D', 'F', '\r', '\n', 0x1a, '\n'};

    @Autowired
    private JdbcClient jdbc;

    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5)).build();
    private final List<String> failures = Collections.synchronizedList(new ArrayList<>());
    private final Map<String, AtomicInteger> counts = new ConcurrentHashMap<>();
    /** Time spent waiting for answers, per route: printed, so a slow run says where its time went. */
    private final Map<String, LongAdder> nanos = new ConcurrentHashMap<>();
    private final ConcurrentLinkedQueue<UUID> deletable = new ConcurrentLinkedQueue<>();
    private final AtomicInteger uniqueImages = new AtomicInteger();
    private final AtomicInteger uniqueHeads = new AtomicInteger();
    private final ConcurrentLinkedQueue<String> trainingJobs = new ConcurrentLinkedQueue<>();
    private final AtomicBoolean pretraining = new AtomicBoolean();

    /** The analysed slide every reading request is about. */
    private UUID slide;
    private UUID job;
    private byte[] slideBytes;
    /** Four analysed slides, two per class, the label set's rows. */
    private final List<UUID> labelled = new ArrayList<>();
    /** A slide whose analysis ended NO_TISSUE: it has no results. */
    private UUID blank;
    /** The Deep Zoom levels of {@link #slide}: tiles per column and row at each level. */
    private long[][] tilesPerLevel;
    private List<String> layers;
    private String labelSet;
    private String singleClassLabelSet;
    /** Two subtype heads (.pth) the clients activate in turn, and a survival head stored as safetensors. */
    private byte[] subtypeHead;
    private final List<String> subtypeHeads = new ArrayList<>();
    private byte[] survivalHead;
    private String survivalModel;
    private String pretrainingJob;

    @Test
    void servesThousandsOfMixedConcurrentRequestsWithoutLeaking() throws Exception {
        registerAndActivateHeads();
        analyseSlides();
        runClients(REQUESTS / 10, 1);          // warm-up: first-use allocations are not growth

        Resources atStart = quiescentResources();
        runClients(REQUESTS / 2, 2);
        Resources afterFirstHalf = quiescentResources();
        runClients(REQUESTS / 2, 3);
        Resources afterSecondHalf = quiescentResources();

        new TreeMap<>(nanos).forEach((route, total) -> System.out.printf("soak: %-70s %7d ms in all%n",
                route, total.sum() / 1_000_000));
        System.out.println("soak: requests by kind " + new TreeMap<>(counts));
        System.out.println("soak: resources at the start " + atStart + ", after the first half " + afterFirstHalf
                + ", after the second " + afterSecondHalf);
        assertThat(failures).as("answers that broke the contract (of %s requests: %s)", REQUESTS + REQUESTS / 10,
                counts).isEmpty();
        assertThat(counts.keySet()).as("every kind of request was sent").containsAll(Operation.NAMES);
        await("pooled connections returned").atMost(Duration.ofSeconds(15)).pollInterval(Duration.ofMillis(250))
                .untilAsserted(() -> assertThat(activeConnections()).as("hikaricp_connections_active").isZero());
        await("temporary files removed").atMost(Duration.ofSeconds(15))
                .untilAsserted(() -> assertThat(filesUnder(dataDirectory().resolve("tmp"))).isEmpty());
        assertThat(afterSecondHalf.heap() - afterFirstHalf.heap())
                .as("retained heap growth from the first half (%d MiB, %d MiB at the start) to the second",
                        afterFirstHalf.heap() >> 20, atStart.heap() >> 20)
                .isLessThan(HEAP_GROWTH_BOUND);
        assertThat(afterSecondHalf.nativeResident() - afterFirstHalf.nativeResident())
                .as("native resident memory growth from the first half (%d MiB) to the second",
                        afterFirstHalf.nativeResident() >> 20)
                .isLessThan(RSS_GROWTH_BOUND);
        assertThat(afterSecondHalf.fds() - afterFirstHalf.fds())
                .as("open file descriptors: %s after the first half, %s after the second", afterFirstHalf.fds(),
                        afterSecondHalf.fds())
                .isLessThan(FD_GROWTH_BOUND);
        assertThat(afterSecondHalf.threads() - afterFirstHalf.threads())
                .as("live threads: %s after the first half, %s after the second", afterFirstHalf.threads(),
                        afterSecondHalf.threads())
                .isLessThan(THREAD_GROWTH_BOUND);
        for (String path : List.of("/api/v1/slides/" + slide, "/api/v1/slides/" + slide + "/dzi",
                "/api/v1/slides/" + slide + "/embeddings")) {
            long start = System.nanoTime();
            Answer answer = send(get(path));
            assertThat(answer).isNotNull();
            assertThat(answer.status()).as(path).isEqualTo(200);
            assertThat(Duration.ofNanos(System.nanoTime() - start)).as("GET %s after the run", path)
                    .isLessThan(QUIET_ANSWER_BOUND);
        }
    }

    /**
     * Registers two subtype heads (PyTorch .pth) and a survival head (safetensors, so its download is converted)
     * and activates one of each, before any slide is analysed: every analysis then makes predictions and every
     * score of the slide heatmap is available. Waits until this replica has loaded them.
     */
    private void registerAndActivateHeads() throws IOException {
        subtypeHead = pth(SlideAggregator.small(1, 2).randomStateDict(71));
        survivalHead = safetensors(SlideAggregator.small(1, 4).randomStateDict(72));
        for (byte[] head : List.of(subtypeHead, pth(SlideAggregator.small(1, 2).randomStateDict(73)))) {
            Answer registered = send(modelUpload(head, "subtype", "IDC,ILC", true));
            assertThat(registered).isNotNull();
            assertThat(registered.status()).as(registered.text()).isEqualTo(201);
            subtypeHeads.add(JSON.readTree(registered.text()).path("id").asString());
        }
        Answer survival = send(modelUpload(survivalHead, "survival", null, false));
        assertThat(survival).isNotNull();
        assertThat(survival.status()).as(survival.text()).isEqualTo(201);
        survivalModel = JSON.readTree(survival.text()).path("id").asString();
        for (String id : List.of(subtypeHeads.get(0), survivalModel)) {
            Answer activated = send(adminPost("/api/v1/admin/models/" + id + "/activate"));
            assertThat(activated).isNotNull();
            assertThat(activated.status()).as(activated.text()).isEqualTo(200);
        }
        await("the activated heads loaded").atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(200))
                .until(() -> JSON.readTree(send(request("/actuator/info", ADMIN_KEY).GET().build()).text())
                        .path("models").path("checkpoints"), c -> c.has("subtype") && c.has("survival"));
    }

    /**
     * Uploads four slides with tissue (the first is the one every reading request is about) and a blank one, waits
     * until the real pipeline has analysed them, and stores a label set over the four.
     */
    private void analyseSlides() {
        slideBytes = TestSlideImages.tissue(1);
        List<String> jobs = new ArrayList<>();
        for (int n = 0; n < 4; n++) {
            Answer upload = send(uploadRequest("tissue-" + n + ".png", n == 0 ? slideBytes
                    : TestSlideImages.tissue(9000 + n), "0.5", "SOAK-" + n));
            assertThat(upload).isNotNull();
            assertThat(upload.status()).as(upload.text()).isEqualTo(202);
            JsonNode body = JSON.readTree(upload.text());
            labelled.add(UUID.fromString(body.path("slide").path("id").asString()));
            jobs.add(body.path("job").path("id").asString());
        }
        slide = labelled.get(0);
        job = UUID.fromString(jobs.get(0));
        Answer blankUpload = send(uploadRequest("blank.png", TestSlideImages.blank(9000), "0.5", null));
        assertThat(blankUpload).isNotNull();
        JsonNode blankBody = JSON.readTree(blankUpload.text());
        blank = UUID.fromString(blankBody.path("slide").path("id").asString());
        for (String id : jobs) {
            await("analysis " + id).atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofMillis(500))
                    .until(() -> JSON.readTree(send(get("/api/v1/jobs/" + id)).text()).path("status").asString(),
                            status -> {
                                assertThat(status).isNotIn("FAILED", "CANCELLED");
                                return status.equals("SUCCEEDED");
                            });
        }
        String blankJob = blankBody.path("job").path("id").asString();
        await("the blank slide's analysis").atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(200))
                .until(() -> JSON.readTree(send(get("/api/v1/jobs/" + blankJob)).text()).path("status").asString(),
                        "FAILED"::equals);

        labelSet = createdId(send(labelSetCsv("externalId,subtype,months,event\nSOAK-0,IDC,10,1\nSOAK-1,ILC,20,1\n"
                + "SOAK-2,IDC,30,1\nSOAK-3,ILC,40,1\n")));
        singleClassLabelSet = createdId(send(labelSetCsv("externalId,subtype\nSOAK-0,IDC\nSOAK-1,IDC\n")));

        String dzi = send(get("/api/v1/slides/" + slide + "/dzi")).text();
        tilesPerLevel = levels(dzi);
        JsonNode overlays = JSON.readTree(send(get("/api/v1/slides/" + slide + "/overlays")).text());
        layers = new ArrayList<>();
        overlays.path("layers").forEach(layer -> layers.add(layer.path("name").asString()));
        assertThat(layers).as("heatmap layers of the analysed slide").isNotEmpty();
    }

    private String createdId(Answer answer) {
        assertThat(answer).isNotNull();
        assertThat(answer.status()).as(answer.text()).isEqualTo(201);
        return JSON.readTree(answer.text()).path("id").asString();
    }

    /** Tiles per column and row at each Deep Zoom level, from the descriptor's size and tile size. */
    private static long[][] levels(String dzi) {
        int tileSize = Integer.parseInt(attribute(dzi, "TileSize"));
        long width = Long.parseLong(attribute(dzi, "Width"));
        long height = Long.parseLong(attribute(dzi, "Height"));
        int maxLevel = (int) Math.ceil(Math.log(Math.max(width, height)) / Math.log(2));
        long[][] tiles = new long[maxLevel + 1][];
        for (int level = maxLevel; level >= 0; level--) {
            long w = (long) Math.ceil(width / Math.pow(2, maxLevel - level));
            long h = (long) Math.ceil(height / Math.pow(2, maxLevel - level));
            tiles[level] = new long[] {(w + tileSize - 1) / tileSize, (h + tileSize - 1) / tileSize};
        }
        return tiles;
    }

    private static String attribute(String xml, String name) {
        Matcher matcher = Pattern.compile(name + "=\"(\\d+)\"").matcher(xml);
        assertThat(matcher.find()).as("%s in %s", name, xml).isTrue();
        return matcher.group(1);
    }

    private void runClients(int requests, long seed) throws Exception {
        AtomicInteger left = new AtomicInteger(requests);
        long deadline = System.nanoTime() + RUN_LIMIT.toNanos();
        ExecutorService pool = Executors.newFixedThreadPool(CLIENTS);
        try {
            List<Future<?>> clients = new ArrayList<>();
            for (int c = 0; c < CLIENTS; c++) {
                Random random = new Random(seed * 1000 + c);
                clients.add(pool.submit(() -> {
                    while (left.getAndDecrement() > 0 && System.nanoTime() < deadline && failures.size() < 20) {
                        Operation.pick(random).run(this, random);
                    }
                }));
            }
            for (Future<?> client : clients) {
                client.get(RUN_LIMIT.toSeconds() + ANSWER_BOUND.toSeconds() * 2, TimeUnit.SECONDS);
            }
        } finally {
            pool.shutdownNow();
        }
        assertThat(failures).as("answers that broke the contract").isEmpty();
        assertThat(left.get()).as("requests not sent within %s", RUN_LIMIT).isLessThanOrEqualTo(0);
    }

    /** The kinds of request the clients send, with how often each comes up. */
    private enum Operation {
        GET_SLIDE(6, (t, r) -> t.expect("GET_SLIDE", t.get("/api/v1/slides/" + t.slide), 200)),
        LIST_SLIDES(4, (t, r) -> t.expect("LIST_SLIDES", t.get("/api/v1/slides?size=20&page=" + r.nextInt(3)), 200)),
        GET_JOB(5, (t, r) -> t.expect("GET_JOB", t.get("/api/v1/jobs/" + t.job), 200)),
        EMBEDDINGS(4, (t, r) -> t.expect("EMBEDDINGS", t.get("/api/v1/slides/" + t.slide + "/embeddings"), 200)),
        PATCHES(2, (t, r) -> t.expectBinary("PATCHES", t.get("/api/v1/slides/" + t.slide + "/embeddings/patches"),
                256 * 384 * 4)),
        PREDICTIONS(4, (t, r) -> t.expect("PREDICTIONS",
                t.get("/api/v1/slides/" + t.slide + "/predictions"), 200)),
        SIMILAR(3, (t, r) -> t.expect("SIMILAR", t.get("/api/v1/slides/" + t.slide + "/similar?k="
                + (1 + r.nextInt(5))), 200)),
        BAD_SIMILAR(1, (t, r) -> t.expect("BAD_SIMILAR", t.get("/api/v1/slides/" + t.slide + "/similar?k="
                + (r.nextBoolean() ? "0" : "lots")), 400, "VALIDATION_FAILED")),
        QC_MASK(1, (t, r) -> t.expectBinary("QC_MASK", t.get("/api/v1/slides/" + t.slide + "/tissue/mask.png"), 1)),
        QC_OVERLAY(1, (t, r) -> t.expectBinary("QC_OVERLAY",
                t.get("/api/v1/slides/" + t.slide + "/tissue/overlay.png?maxSide=256"), 1)),
        REPEAT_UPLOAD(3, (t, r) -> t.expect("REPEAT_UPLOAD",
                t.uploadRequest("tissue.png", t.slideBytes, "0.5", null), 200)),
        NEW_UPLOAD(3, (t, r) -> t.newUpload(r)),
        DELETE(1, (t, r) -> t.deleteOne()),
        READ_WHILE_DELETING(3, (t, r) -> t.readWhileDeleting(r)),
        UNKNOWN_SLIDE(2, (t, r) -> t.expect("UNKNOWN_SLIDE", t.get("/api/v1/slides/" + UUID.randomUUID()), 404,
                "NOT_FOUND")),
        UNKNOWN_JOB(2, (t, r) -> t.expect("UNKNOWN_JOB", t.get("/api/v1/jobs/" + UUID.randomUUID()), 404,
                "NOT_FOUND")),
        UNKNOWN_RESULTS(2, (t, r) -> t.unknownSlideRoute(r)),
        MALFORMED_ID(2, (t, r) -> t.expect("MALFORMED_ID", t.get("/api/v1/slides/not-a-uuid"), 400,
                "VALIDATION_FAILED")),
        WRONG_KEY(2, (t, r) -> t.expect("WRONG_KEY", t.request("/api/v1/slides/" + t.slide, "wrong-key").GET()
                .build(), 401, "UNAUTHORIZED")),
        NO_KEY(1, (t, r) -> t.expect("NO_KEY", t.request("/api/v1/slides", null).GET().build(), 401,
                "UNAUTHORIZED")),
        ADMIN_WITH_CLIENT_KEY(2, (t, r) -> t.expect("ADMIN_WITH_CLIENT_KEY", t.get(r.nextBoolean()
                ? "/api/v1/admin/models" : "/api/v1/admin/label-sets/" + t.labelSet), 403, "FORBIDDEN")),
        BAD_UPLOAD(2, (t, r) -> t.expect("BAD_UPLOAD", t.uploadRequest("notes.svs",
                ("not a slide " + r.nextLong()).getBytes(StandardCharsets.UTF_8), null, null), 422)),
        OVERSIZE_UPLOAD(1, (t, r) -> t.raw("OVERSIZE_UPLOAD", "POST /api/v1/slides?filename=big.png HTTP/1.1\r\n"
                + "Content-Type: application/octet-stream\r\nContent-Length: " + (MAX_UPLOAD + 1) + "\r\n", CLIENT_KEY,
                new byte[4096], 413, "PAYLOAD_TOO_LARGE")),
        ABORTED_UPLOAD(1, (t, r) -> t.abort("ABORTED_UPLOAD", "POST /api/v1/slides?filename=cut.png HTTP/1.1\r\n"
                + "Content-Type: application/octet-stream\r\nContent-Length: 200000\r\n", CLIENT_KEY,
                new byte[50_000])),
        ABORTED_DOWNLOAD(1, (t, r) -> t.abortHalfWay("ABORTED_DOWNLOAD", "/api/v1/slides/" + t.slide
                + "/embeddings/patches", CLIENT_KEY)),

        REPREDICT(3, (t, r) -> t.expect("REPREDICT", t.post("/api/v1/slides/" + t.slide + "/predictions",
                CLIENT_KEY), 200)),
        REPREDICT_NOT_ANALYSED(1, (t, r) -> t.expect("REPREDICT_NOT_ANALYSED", t.post("/api/v1/slides/"
                + (r.nextBoolean() ? t.blank : UUID.randomUUID()) + "/predictions", CLIENT_KEY), 409,
                "NO_EMBEDDINGS")),
        BATCH_REPREDICT(2, (t, r) -> t.batchRepredict(r)),
        ATTENTION(3, (t, r) -> t.expectBinary("ATTENTION", t.get("/api/v1/slides/" + t.slide
                + "/regions/0/attention.png?size=256&level=" + oneOf(r, "4k", "256", "factorized") + "&head="
                + r.nextInt(6) + "&cmap=" + oneOf(r, "coolwarm", "jet")), 1)),
        BAD_ATTENTION(1, (t, r) -> t.badAttention(r)),
        SLIDE_HEATMAP(2, (t, r) -> t.expectBinary("SLIDE_HEATMAP", t.get("/api/v1/slides/" + t.slide
                + "/heatmap.png?size=256&score=" + oneOf(r, "attention4k", "attention-mass", "probability", "tissue",
                "risk")), 1)),
        BAD_HEATMAP(1, (t, r) -> t.expect("BAD_HEATMAP", t.get("/api/v1/slides/" + t.slide + "/heatmap.png?"
                + oneOf(r, "score=colour", "size=9999", "cmap=rainbow", "class=NOPE&score=probability", "head=9")),
                400, "VALIDATION_FAILED")),
        DZI(2, (t, r) -> t.expect("DZI", t.get("/api/v1/slides/" + t.slide + "/dzi"), 200)),
        DZI_TILE(5, (t, r) -> t.dziTile(r)),
        BAD_DZI_TILE(1, (t, r) -> t.badDziTile(r)),
        OVERLAYS(2, (t, r) -> t.expect("OVERLAYS", t.get("/api/v1/slides/" + t.slide + "/overlays"), 200)),
        OVERLAY_TILE(3, (t, r) -> t.overlayTile(r)),
        UNKNOWN_LAYER(1, (t, r) -> t.expect("UNKNOWN_LAYER", t.get("/api/v1/slides/" + t.slide
                + "/overlays/no-such-layer/dzi"), 404, "LAYER_NOT_FOUND")),
        VIEWER_PAGE(1, (t, r) -> t.expect("VIEWER_PAGE", t.request("/viewer/slides/" + t.slide, null).GET().build(),
                200)),
        GEOJSON(2, (t, r) -> t.expect("GEOJSON", t.get("/api/v1/slides/" + t.slide + "/regions.geojson"), 200)),
        FEATURES_H5(2, (t, r) -> t.featuresH5()),
        ABORTED_FEATURES_H5(1, (t, r) -> t.abortHalfWay("ABORTED_FEATURES_H5", "/api/v1/slides/" + t.slide
                + "/features.h5", CLIENT_KEY)),

        LIST_MODELS(2, (t, r) -> t.expect("LIST_MODELS", t.adminGet("/api/v1/admin/models"), 200)),
        GET_MODEL(2, (t, r) -> t.expect("GET_MODEL", t.adminGet("/api/v1/admin/models/" + t.anyHead(r)), 200)),
        UNKNOWN_MODEL(2, (t, r) -> t.unknownModel(r)),
        DOWNLOAD_CHECKPOINT(3, (t, r) -> t.downloadCheckpoint(r)),
        ABORTED_CHECKPOINT(2, (t, r) -> t.abortHalfWay("ABORTED_CHECKPOINT", "/api/v1/admin/models/"
                + t.anyHead(r) + "/checkpoint", ADMIN_KEY)),
        ACTIVATE_MODEL(2, (t, r) -> t.expect("ACTIVATE_MODEL", t.adminPost("/api/v1/admin/models/"
                + t.subtypeHeads.get(r.nextInt(t.subtypeHeads.size())) + "/activate"), 200)),
        REPEAT_MODEL_UPLOAD(2, (t, r) -> t.expect("REPEAT_MODEL_UPLOAD",
                t.modelUpload(t.subtypeHead, "subtype", "IDC,ILC", r.nextBoolean()), 200)),
        NEW_MODEL_UPLOAD(1, (t, r) -> t.newModelUpload()),
        BAD_MODEL_UPLOAD(4, (t, r) -> t.badModelUpload(r)),
        OVERSIZE_MODEL_UPLOAD(1, (t, r) -> t.raw("OVERSIZE_MODEL_UPLOAD", "POST /api/v1/admin/models?kind=subtype"
                + " HTTP/1.1\r\nContent-Type: application/octet-stream\r\nContent-Length: " + (MAX_UPLOAD + 1)
                + "\r\n", ADMIN_KEY, new byte[4096], 413, "PAYLOAD_TOO_LARGE")),
        ABORTED_MODEL_UPLOAD(1, (t, r) -> t.abort("ABORTED_MODEL_UPLOAD", "POST /api/v1/admin/models?kind=subtype"
                + "&classes=IDC,ILC HTTP/1.1\r\nContent-Type: application/octet-stream\r\nContent-Length: "
                + t.subtypeHead.length + "\r\n", ADMIN_KEY, Arrays.copyOf(t.subtypeHead, t.subtypeHead.length / 2))),

        CREATE_LABEL_SET(1, (t, r) -> t.expect("CREATE_LABEL_SET", r.nextBoolean()
                ? t.labelSetCsv("externalId,subtype\nSOAK-0,IDC\nSOAK-1,ILC\n")
                : t.adminJson("/api/v1/admin/label-sets", "{\"name\": \"soak\", \"rows\": [{\"slideId\": \""
                + t.labelled.get(2) + "\", \"subtype\": \"IDC\"}]}"), 201)),
        BAD_LABEL_SET(2, (t, r) -> t.badLabelSet(r)),
        GET_LABEL_SET(2, (t, r) -> t.expect("GET_LABEL_SET", t.adminGet("/api/v1/admin/label-sets/" + t.labelSet),
                200)),
        ACTIVATE_LABEL_SET(1, (t, r) -> t.expect("ACTIVATE_LABEL_SET",
                t.adminPost("/api/v1/admin/label-sets/" + t.labelSet + "/activate"), 200)),
        UNKNOWN_LABEL_SET(1, (t, r) -> t.expect("UNKNOWN_LABEL_SET", r.nextBoolean()
                ? t.adminGet("/api/v1/admin/label-sets/" + UUID.randomUUID())
                : t.adminPost("/api/v1/admin/label-sets/" + UUID.randomUUID() + "/activate"), 404, "NOT_FOUND")),
        TRAIN(1, (t, r) -> t.train(r)),
        POLL_TRAINING(2, (t, r) -> t.pollTraining()),
        BAD_TRAIN(2, (t, r) -> t.badTrain(r)),
        UNKNOWN_TRAINING_JOB(1, (t, r) -> t.expect("UNKNOWN_TRAINING_JOB", r.nextBoolean()
                ? t.adminGet("/api/v1/admin/training-jobs/" + UUID.randomUUID())
                : t.adminPost("/api/v1/admin/training-jobs/" + UUID.randomUUID() + "/cancel"), 404, "NOT_FOUND")),
        PRETRAIN(1, (t, r) -> t.pretrain(r)),
        BAD_PRETRAIN(2, (t, r) -> t.badPretrain(r)),
        UNKNOWN_PRETRAINING_JOB(1, (t, r) -> t.expect("UNKNOWN_PRETRAINING_JOB", r.nextBoolean()
                ? t.adminGet("/api/v1/admin/pretraining-jobs/" + UUID.randomUUID())
                : t.adminPost("/api/v1/admin/pretraining-jobs/" + UUID.randomUUID() + "/cancel"), 404,
                "NOT_FOUND"));

        static final Set<String> NAMES = Stream.of(values()).map(Enum::name).collect(Collectors.toUnmodifiableSet());
        private static final int TOTAL_WEIGHT = Stream.of(values()).mapToInt(o -> o.weight).sum();

        private final int weight;
        private final Action action;

        Operation(int weight, Action action) {
            this.weight = weight;
            this.action = action;
        }

        static Operation pick(Random random) {
            int n = random.nextInt(TOTAL_WEIGHT);
            for (Operation operation : values()) {
                n -= operation.weight;
                if (n < 0) {
                    return operation;
                }
            }
            throw new IllegalStateException();
        }

        void run(SoakIntegrationTests test, Random random) {
            action.run(test, random);
        }
    }

    @FunctionalInterface
    private interface Action {
        void run(SoakIntegrationTests test, Random random);
    }

    private static String oneOf(Random random, String... choices) {
        return choices[random.nextInt(choices.length)];
    }

    /**
     * A slide the client has not sent before: mostly a blank image (its analysis ends NO_TISSUE at once), now and
     * then one with tissue whose analysis the client cancels or lets run, polling the job either way; the slide
     * goes to the ones {@link #deleteOne} deletes while others read it.
     */
    private void newUpload(Random random) {
        boolean tissue = random.nextInt(4) == 0;
        int n = uniqueImages.incrementAndGet() + 1;
        byte[] bytes = tissue ? TestSlideImages.tissue(n) : TestSlideImages.blank(n);
        Answer upload = send(uploadRequest("new-" + n + ".png", bytes, "0.5", null));
        if (!expect("NEW_UPLOAD", upload, 202)) {
            return;
        }
        JsonNode body = JSON.readTree(upload.text());
        String newJob = body.path("job").path("id").asString();
        expect("POLL_NEW_JOB", get("/api/v1/jobs/" + newJob), 200);
        if (tissue && random.nextBoolean()) {
            expect("CANCEL_JOB", send(request("/api/v1/jobs/" + newJob + "/cancel", CLIENT_KEY)
                    .POST(HttpRequest.BodyPublishers.noBody()).build()), 200);
        }
        deletable.add(UUID.fromString(body.path("slide").path("id").asString()));
    }

    private void deleteOne() {
        UUID id = deletable.poll();
        if (id != null) {
            expect("DELETE", send(request("/api/v1/slides/" + id, CLIENT_KEY).DELETE().build()), 204);
        }
    }

    /**
     * A read of a slide that another client may be deleting (or may have deleted) at the same moment: its answer is
     * the slide's (200), or that it is gone or has no results (404), or for a recomputation that it has no
     * embeddings (409): never a 5xx.
     */
    private void readWhileDeleting(Random random) {
        UUID id = deletable.peek();
        if (id == null) {
            id = slide;
        }
        String base = "/api/v1/slides/" + id;
        switch (random.nextInt(8)) {
            case 0 -> expectOneOf("READ_WHILE_DELETING", send(get(base + "/dzi_files/0/0_0.jpeg"), false),
                    Set.of(200, 404));
            case 1 -> expectOneOf("READ_WHILE_DELETING", send(get(base + "/regions.geojson")), Set.of(200, 404));
            case 2 -> expectOneOf("READ_WHILE_DELETING", send(get(base + "/features.h5"), false), Set.of(200, 404));
            case 3 -> expectOneOf("READ_WHILE_DELETING", send(get(base + "/regions/0/attention.png?size=256"), false),
                    Set.of(200, 404));
            case 4 -> expectOneOf("READ_WHILE_DELETING", send(post(base + "/predictions", CLIENT_KEY)),
                    Set.of(200, 404, 409));
            case 5 -> expectOneOf("READ_WHILE_DELETING", send(get(base + "/overlays")), Set.of(200, 404));
            case 6 -> expectOneOf("READ_WHILE_DELETING", send(get(base + "/embeddings/patches"), false),
                    Set.of(200, 404));
            default -> expectOneOf("READ_WHILE_DELETING", send(get(base + "/heatmap.png?size=256&score=tissue"),
                    false), Set.of(200, 404));
        }
    }

    /** A result route of a slide that does not exist: 404 whatever the route. */
    private void unknownSlideRoute(Random random) {
        String base = "/api/v1/slides/" + UUID.randomUUID();
        String path = oneOf(random, "/embeddings", "/predictions", "/similar", "/regions.geojson", "/features.h5",
                "/dzi", "/dzi_files/0/0_0.jpeg", "/overlays", "/heatmap.png", "/regions/0/attention.png",
                "/tissue/mask.png");
        expect("UNKNOWN_RESULTS", get(base + path), 404);
    }

    private void batchRepredict(Random random) {
        switch (random.nextInt(4)) {
            case 0 -> expect("BATCH_REPREDICT", adminJson("/api/v1/admin/predictions", "{\"slideIds\": []}"), 400,
                    "VALIDATION_FAILED");
            case 1 -> expect("BATCH_REPREDICT", adminJson("/api/v1/admin/predictions", "{\"slideIds\": [\"nope\""),
                    400, "BAD_REQUEST");
            default -> {
                Answer answer = send(adminJson("/api/v1/admin/predictions", "{\"slideIds\": [\"" + slide + "\", \""
                        + UUID.randomUUID() + "\", \"" + blank + "\"]}"));
                if (expect("BATCH_REPREDICT", answer, 200)) {
                    JsonNode results = JSON.readTree(answer.text()).path("results");
                    List<String> outcomes = new ArrayList<>();
                    results.forEach(result -> outcomes.add(result.path("outcome").asString()));
                    if (!outcomes.equals(List.of("PREDICTED", "NO_EMBEDDINGS", "NO_EMBEDDINGS"))) {
                        failures.add("BATCH_REPREDICT: outcomes " + outcomes);
                    }
                }
            }
        }
    }

    private void badAttention(Random random) {
        String base = "/api/v1/slides/" + slide + "/regions/";
        switch (random.nextInt(3)) {
            case 0 -> expect("BAD_ATTENTION", get(base + "0/attention.png?" + oneOf(random, "level=8k", "head=6",
                    "size=100", "cmap=rainbow", "head4k=-1", "size=big")), 400, "VALIDATION_FAILED");
            case 1 -> expect("BAD_ATTENTION", get(base + "99/attention.png?size=256"), 404, "REGION_NOT_FOUND");
            default -> expect("BAD_ATTENTION", get("/api/v1/slides/" + blank + "/regions/0/attention.png"), 404,
                    "RESULTS_NOT_FOUND");
        }
    }

    /** A tile at a random level of the slide, now and then revalidated with its ETag (304). */
    private void dziTile(Random random) {
        int level = random.nextInt(tilesPerLevel.length);
        long col = random.nextLong(tilesPerLevel[level][0]);
        long row = random.nextLong(tilesPerLevel[level][1]);
        String path = "/api/v1/slides/" + slide + "/dzi_files/" + level + "/" + col + "_" + row + ".jpeg";
        Answer answer = send(get(path), false);
        if (expect("DZI_TILE", answer, 200) && random.nextInt(4) == 0) {
            expect("DZI_TILE_REVALIDATED", send(request(path, CLIENT_KEY).header("If-None-Match", answer.etag())
                    .GET().build(), false), 304);
        }
    }

    private void badDziTile(Random random) {
        String base = "/api/v1/slides/" + slide + "/dzi_files/";
        int beyond = tilesPerLevel.length - 1;
        switch (random.nextInt(3)) {
            case 0 -> expect("BAD_DZI_TILE", get(base + (beyond + 1 + random.nextInt(30)) + "/0_0.jpeg"), 404,
                    "TILE_NOT_FOUND");
            case 1 -> expect("BAD_DZI_TILE", get(base + (random.nextBoolean() ? beyond + "/"
                    + tilesPerLevel[beyond][0] + "_0" : "-1/0_0") + ".jpeg"), 404, "TILE_NOT_FOUND");
            default -> expect("BAD_DZI_TILE", get(base + oneOf(random, "x", "99999999999") + "/0_0.jpeg"), 400,
                    "VALIDATION_FAILED");
        }
    }

    private void overlayTile(Random random) {
        String layer = layers.get(random.nextInt(layers.size()));
        if (random.nextInt(3) == 0) {
            expect("OVERLAY_TILE", get("/api/v1/slides/" + slide + "/overlays/" + layer + "/dzi"), 200);
            return;
        }
        int level = random.nextInt(tilesPerLevel.length);
        long col = random.nextLong(tilesPerLevel[level][0]);
        long row = random.nextLong(tilesPerLevel[level][1]);
        expectBinary("OVERLAY_TILE", get("/api/v1/slides/" + slide + "/overlays/" + layer + "/dzi_files/" + level
                + "/" + col + "_" + row + ".png"), 1);
    }

    /**
     * The HDF5 export on a kept-alive connection, then a second request on the same connection: the download is
     * streamed (an asynchronous dispatch ends it), and the connection must still serve the next request, as a
     * pooling client expects.
     */
    private void featuresH5() {
        counts.computeIfAbsent("FEATURES_H5", k -> new AtomicInteger()).incrementAndGet();
        try (Socket socket = new Socket("localhost", port)) {
            socket.setSoTimeout((int) ANSWER_BOUND.toMillis());
            OutputStream out = socket.getOutputStream();
            InputStream in = socket.getInputStream();
            out.write(("GET /api/v1/slides/" + slide + "/features.h5 HTTP/1.1\r\nHost: localhost\r\nX-API-Key: "
                    + CLIENT_KEY + "\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1));
            String head = readHead(in);
            Matcher length = Pattern.compile("(?im)^content-length:\\s*(\\d+)").matcher(head);
            if (!head.startsWith("HTTP/1.1 200") || !length.find()) {
                failures.add("FEATURES_H5: answered " + head.lines().findFirst().orElse("") + " without a length");
                return;
            }
            byte[] body = in.readNBytes(Integer.parseInt(length.group(1)));
            if (body.length < HDF5_SIGNATURE.length
                    || !Arrays.equals(body, 0, HDF5_SIGNATURE.length, HDF5_SIGNATURE, 0, HDF5_SIGNATURE.length)) {
                failures.add("FEATURES_H5: the body is not HDF5");
                return;
            }
            out.write(("GET /api/v1/slides/" + slide + " HTTP/1.1\r\nHost: localhost\r\nX-API-Key: " + CLIENT_KEY
                    + "\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1));
            String next = readHead(in);
            if (!next.startsWith("HTTP/1.1 200")) {
                failures.add("FEATURES_H5: the next request on the connection answered '"
                        + next.lines().findFirst().orElse("(the connection was closed)") + "'");
            }
        } catch (IOException e) {
            failures.add("FEATURES_H5: " + e);
        }
    }

    private String anyHead(Random random) {
        return random.nextInt(3) == 0 ? survivalModel : subtypeHeads.get(random.nextInt(subtypeHeads.size()));
    }

    private void unknownModel(Random random) {
        String base = "/api/v1/admin/models/" + UUID.randomUUID();
        expect("UNKNOWN_MODEL", switch (random.nextInt(3)) {
            case 0 -> adminGet(base);
            case 1 -> adminGet(base + "/checkpoint");
            default -> adminPost(base + "/activate");
        }, 404, "NOT_FOUND");
    }

    /** The whole checkpoint: the uploaded bytes for a .pth, a PyTorch zip converted from the safetensors file. */
    private void downloadCheckpoint(Random random) {
        boolean survival = random.nextInt(3) == 0;
        String id = survival ? survivalModel : subtypeHeads.get(0);
        Answer answer = send(adminGet("/api/v1/admin/models/" + id + "/checkpoint"), false);
        if (!expect("DOWNLOAD_CHECKPOINT", answer, 200)) {
            return;
        }
        if (survival ? !answer.startsWith(new byte[] {'P', 'K'}) : !Arrays.equals(answer.body(), subtypeHead)) {
            failures.add("DOWNLOAD_CHECKPOINT: " + answer.length() + " bytes that are not the checkpoint of " + id);
        }
    }

    private void newModelUpload() {
        try {
            byte[] head = pth(SlideAggregator.small(1, 2).randomStateDict(1000 + uniqueHeads.incrementAndGet()));
            expect("NEW_MODEL_UPLOAD", modelUpload(head, "subtype", "IDC,ILC", true), 201);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Checkpoints and registrations that must be refused with their codes, registering nothing. */
    private void badModelUpload(Random random) {
        String name = "BAD_MODEL_UPLOAD";
        switch (random.nextInt(10)) {
            case 0 -> expect(name, modelUpload(Arrays.copyOf(subtypeHead, 1 + random.nextInt(subtypeHead.length - 1)),
                    "subtype", "IDC,ILC", random.nextBoolean()), 422, "MODEL_CHECKPOINT_INVALID");
            case 1 -> {
                byte[] garbage = new byte[1 + random.nextInt(8192)];
                random.nextBytes(garbage);
                expect(name, modelUpload(garbage, "subtype", "IDC,ILC", random.nextBoolean()), 422,
                        "MODEL_CHECKPOINT_INVALID");
            }
            case 2 -> {
                byte[] broken = subtypeHead.clone();
                for (int i = 0; i < 64; i++) {
                    broken[random.nextInt(broken.length)] ^= (byte) (1 + random.nextInt(255));
                }
                expectOneOf(name, send(modelUpload(broken, "subtype", "IDC,ILC", true)), Set.of(201, 422));
            }
            case 3 -> expect(name, modelUpload(subtypeHead, "vit256", null, random.nextBoolean()), 422,
                    "MODEL_KIND_MISMATCH");
            case 4 -> expect(name, modelUpload(survivalHead, "subtype", "IDC,ILC,MIXED", true), 422,
                    "MODEL_CLASSES_MISMATCH");
            case 5 -> expect(name, modelUpload(subtypeHead, oneOf(random, "vit8k", "", "SUBTYPES"), null,
                    random.nextBoolean()), 400, "VALIDATION_FAILED");
            case 6 -> expect(name, adminJson("/api/v1/admin/models", oneOf(random, "{\"kind\": ", "[1, 2",
                    "{\"kind\": \"subtype\", \"path\": 7}")), 400, null);
            case 7 -> expect(name, adminJson("/api/v1/admin/models", "{\"kind\": \"subtype\", \"path\": \""
                    + oneOf(random, "/etc/passwd", "/proc/self/environ", dataDirectory() + "/db") + "\"}"), 403,
                    "MODEL_PATH_NOT_ALLOWED");
            case 8 -> expect(name, adminJson("/api/v1/admin/models", "{\"kind\": \"subtype\", \"path\": \"/x\", "
                    + "\"name\": \"" + "n".repeat(70_000) + "\"}"), 400, "BAD_REQUEST");
            default -> expect(name, request("/api/v1/admin/models", ADMIN_KEY).header("Content-Type", "text/plain")
                    .POST(HttpRequest.BodyPublishers.ofString("kind=subtype")).build(), 415,
                    "UNSUPPORTED_MEDIA_TYPE");
        }
    }

    private void badLabelSet(Random random) {
        String name = "BAD_LABEL_SET";
        switch (random.nextInt(6)) {
            case 0 -> expect(name, labelSetCsv("externalId,subtype\nSOAK-0,IDC\nNO-SUCH-SLIDE,ILC\n"), 422,
                    "LABEL_ROW_INVALID");
            case 1 -> expect(name, labelSetCsv("externalId,months,event\nSOAK-0,-3,1\n"), 422, "LABEL_ROW_INVALID");
            case 2 -> {
                // a document that is not a label set is 422; a body that is not JSON at all is 400 (as elsewhere)
                if (random.nextInt(4) == 0) {
                    expect(name, adminJson("/api/v1/admin/label-sets", "{\"rows\": ["), 400, "BAD_REQUEST");
                } else {
                    expect(name, adminJson("/api/v1/admin/label-sets", oneOf(random, "{}", "[]", "{\"rows\": 5}")),
                            422, "LABEL_SET_INVALID");
                }
            }
            case 3 -> expect(name, labelSetCsv(""), 422, "LABEL_SET_INVALID");
            case 4 -> expect(name, request("/api/v1/admin/label-sets", ADMIN_KEY)
                    .header("Content-Type", "multipart/form-data; boundary=nothing-follows")
                    .POST(HttpRequest.BodyPublishers.ofString("--nothing-follows\r\nContent-Disposition: form-da"))
                    .build(), 400, "BAD_REQUEST");
            default -> expect(name, request("/api/v1/admin/label-sets", ADMIN_KEY).header("Content-Type", "text/csv")
                    .POST(HttpRequest.BodyPublishers.ofString("externalId,subtype\nSOAK-0,IDC\n")).build(), 415,
                    "UNSUPPORTED_MEDIA_TYPE");
        }
    }

    /** A one-epoch subtype head training job over the four labelled slides, now and then cancelled at once. */
    private void train(Random random) {
        Answer queued = send(adminJson("/api/v1/admin/training-jobs", "{\"task\": \"" + oneOf(random, "subtype",
                "survival") + "\", \"labelSetId\": \"" + labelSet + "\", \"epochs\": 1, \"accumulationSteps\": 1,"
                + " \"seed\": " + random.nextInt(1000) + "}"));
        if (!expect("TRAIN", queued, 202)) {
            return;
        }
        String id = JSON.readTree(queued.text()).path("id").asString();
        if (random.nextBoolean()) {
            expect("CANCEL_TRAINING", adminPost("/api/v1/admin/training-jobs/" + id + "/cancel"), 200);
        }
        trainingJobs.add(id);
    }

    private void pollTraining() {
        String id = trainingJobs.peek();
        if (id == null) {
            expect("POLL_TRAINING", adminGet("/api/v1/admin/training-jobs/" + UUID.randomUUID()), 404, "NOT_FOUND");
            return;
        }
        Answer answer = send(adminGet("/api/v1/admin/training-jobs/" + id));
        if (expect("POLL_TRAINING", answer, 200)) {
            String status = JSON.readTree(answer.text()).path("status").asString();
            if (status.equals("FAILED")) {
                failures.add("POLL_TRAINING: training job " + id + " failed: " + abbreviate(answer.text()));
            } else if (!status.equals("QUEUED") && !status.equals("RUNNING")) {
                trainingJobs.remove(id);
            }
        }
    }

    private void badTrain(Random random) {
        String path = "/api/v1/admin/training-jobs";
        switch (random.nextInt(6)) {
            case 0 -> expect("BAD_TRAIN", adminJson(path, "{\"task\": \"subtype\", \"labelSetId\": \"" + labelSet
                    + "\", \"epochs\": 0}"), 400, "VALIDATION_FAILED");
            case 1 -> expect("BAD_TRAIN", adminJson(path, "{\"task\": \"subtype\", \"labelSetId\": \""
                    + UUID.randomUUID() + "\", \"epochs\": 1}"), 404, "NOT_FOUND");
            case 2 -> expect("BAD_TRAIN", adminJson(path, "{\"task\": \"subtype\", \"labelSetId\": \""
                    + singleClassLabelSet + "\", \"epochs\": 1}"), 422, "TRAINING_SINGLE_CLASS");
            case 3 -> expect("BAD_TRAIN", adminJson(path, oneOf(random, "{\"task\": \"subtype\", ", "{\"task\": "
                    + "\"regression\", \"labelSetId\": \"" + labelSet + "\", \"epochs\": 1}", "{\"epochs\": \"many\"}")),
                    400, null);
            case 4 -> expect("BAD_TRAIN", adminJson(path, "{\"task\": \"subtype\"}"), 400, "VALIDATION_FAILED");
            default -> expect("BAD_TRAIN", request(path, ADMIN_KEY).header("Content-Type", "text/plain")
                    .POST(HttpRequest.BodyPublishers.ofString("train please")).build(), 415, "UNSUPPORTED_MEDIA_TYPE");
        }
    }

    /**
     * A tiny DINO stage-1 job (one-block ViT, 32 px views) over the labelled slides, one at a time: while one runs,
     * the client polls it, and now and then cancels it.
     */
    private void pretrain(Random random) {
        if (pretraining.compareAndSet(false, true)) {
            Answer queued = send(adminJson("/api/v1/admin/pretraining-jobs", "{\"stage\": 1, \"slideIds\": [\""
                    + labelled.get(0) + "\", \"" + labelled.get(1) + "\"], \"iterations\": 2, \"batchSize\": 2,"
                    + " \"outDim\": 32, \"localCrops\": 2, \"globalCropSize\": 32, \"localCropSize\": 16,"
                    + " \"depth\": 1, \"checkpointEvery\": 1, \"seed\": " + random.nextInt(1000) + "}"));
            if (expect("PRETRAIN", queued, 202)) {
                pretrainingJob = JSON.readTree(queued.text()).path("id").asString();
            } else {
                pretraining.set(false);
            }
            return;
        }
        String id = pretrainingJob;
        if (id == null) {
            return;
        }
        Answer answer = send(random.nextInt(4) == 0
                ? adminPost("/api/v1/admin/pretraining-jobs/" + id + "/cancel")
                : adminGet("/api/v1/admin/pretraining-jobs/" + id));
        if (expect("POLL_PRETRAINING", answer, 200)) {
            String status = JSON.readTree(answer.text()).path("status").asString();
            if (status.equals("FAILED")) {
                failures.add("POLL_PRETRAINING: pretraining job " + id + " failed: " + abbreviate(answer.text()));
            } else if (!status.equals("QUEUED") && !status.equals("RUNNING")) {
                pretrainingJob = null;
                pretraining.set(false);
            }
        }
    }

    private void badPretrain(Random random) {
        String path = "/api/v1/admin/pretraining-jobs";
        switch (random.nextInt(5)) {
            case 0 -> expect("BAD_PRETRAIN", adminJson(path, "{\"stage\": 3, \"iterations\": 1}"), 400,
                    "VALIDATION_FAILED");
            case 1 -> expect("BAD_PRETRAIN", adminJson(path, "{\"stage\": 1, \"iterations\": 1, \"slideIds\": [\""
                    + UUID.randomUUID() + "\"]}"), 422, "UNKNOWN_SLIDES");
            case 2 -> expect("BAD_PRETRAIN", adminJson(path, "{\"stage\": 2, \"iterations\": 1, \"vit256ModelId\": \""
                    + UUID.randomUUID() + "\"}"), 422, "UNKNOWN_MODEL");
            case 3 -> expect("BAD_PRETRAIN", adminJson(path, oneOf(random, "{\"stage\": ", "{\"stage\": \"one\"}",
                    "[]")), 400, null);
            default -> expect("BAD_PRETRAIN", request(path, ADMIN_KEY).header("Content-Type", "application/xml")
                    .POST(HttpRequest.BodyPublishers.ofString("<stage>1</stage>")).build(), 415,
                    "UNSUPPORTED_MEDIA_TYPE");
        }
    }

    /** What came back: the status, the content type, the ETag and the body (as text when asked, always as bytes). */
    private record Answer(String method, String path, int status, String contentType, String etag, String text,
                          byte[] body) {
        String request() {
            return method + " " + path;
        }

        int length() {
            return body.length;
        }

        boolean startsWith(byte[] prefix) {
            return body.length >= prefix.length && Arrays.equals(body, 0, prefix.length, prefix, 0, prefix.length);
        }
    }

    /**
     * A client that goes away mid-request: it sends the head and part of a body (or reads only the first byte of
     * the answer) and closes the connection. The server must release whatever it opened for the request.
     */
    private void abort(String name, String head, String key, byte[] partialBody) {
        counts.computeIfAbsent(name, k -> new AtomicInteger()).incrementAndGet();
        try (Socket socket = new Socket("localhost", port)) {
            socket.setSoTimeout((int) ANSWER_BOUND.toMillis());
            OutputStream out = socket.getOutputStream();
            out.write((head + "Host: localhost\r\nX-API-Key: " + key + "\r\n\r\n")
                    .getBytes(StandardCharsets.ISO_8859_1));
            if (partialBody != null) {
                out.write(partialBody);
                out.flush();
            } else {
                out.flush();
                int first = socket.getInputStream().read();
                if (first < 0) {
                    failures.add(name + ": the connection closed before any answer");
                }
            }
        } catch (IOException e) {
            failures.add(name + ": " + e);
        }
    }

    /** A download the client abandons half way: it reads the head and half the body, then closes the connection. */
    private void abortHalfWay(String name, String path, String key) {
        counts.computeIfAbsent(name, k -> new AtomicInteger()).incrementAndGet();
        try (Socket socket = new Socket("localhost", port)) {
            socket.setSoTimeout((int) ANSWER_BOUND.toMillis());
            socket.getOutputStream().write(("GET " + path + " HTTP/1.1\r\nHost: localhost\r\nX-API-Key: " + key
                    + "\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1));
            InputStream in = socket.getInputStream();
            String head = readHead(in);
            if (!head.startsWith("HTTP/1.1 200")) {
                failures.add(name + ": GET " + path + " answered " + head.lines().findFirst().orElse(""));
                return;
            }
            Matcher length = Pattern.compile("(?im)^content-length:\\s*(\\d+)").matcher(head);
            long half = length.find() ? Long.parseLong(length.group(1)) / 2 : 4096;
            in.skipNBytes(half);
        } catch (IOException e) {
            failures.add(name + ": " + e);
        }
    }

    /**
     * A request sent over a raw connection (a body that does not match its Content-Length, say) whose answer is read
     * by hand: the status and code must be the ones expected and the answer problem+json.
     */
    private void raw(String name, String head, String key, byte[] body, int status, String code) {
        counts.computeIfAbsent(name, k -> new AtomicInteger()).incrementAndGet();
        try (Socket socket = new Socket("localhost", port)) {
            socket.setSoTimeout((int) ANSWER_BOUND.toMillis());
            OutputStream out = socket.getOutputStream();
            out.write((head + "Host: localhost\r\nX-API-Key: " + key + "\r\n\r\n")
                    .getBytes(StandardCharsets.ISO_8859_1));
            out.write(body);
            out.flush();
            InputStream in = socket.getInputStream();
            String answerHead = readHead(in);
            Matcher length = Pattern.compile("(?im)^content-length:\\s*(\\d+)").matcher(answerHead);
            byte[] answerBody = length.find() ? in.readNBytes(Integer.parseInt(length.group(1)))
                    : Pattern.compile("(?im)^transfer-encoding:\\s*chunked").matcher(answerHead).find()
                    ? readChunked(in) : in.readAllBytes();
            Matcher type = Pattern.compile("(?im)^content-type:\\s*(\\S+)").matcher(answerHead);
            String statusLine = answerHead.lines().findFirst().orElse("");
            int answered = statusLine.length() >= 12 ? Integer.parseInt(statusLine.substring(9, 12)) : -1;
            if (answered != status) {
                failures.add(name + ": answered " + statusLine + " (expected " + status + ")");
                return;
            }
            checkProblem(name, head.lines().findFirst().orElse(""), type.find() ? type.group(1) : "",
                    new String(answerBody, StandardCharsets.UTF_8), code);
        } catch (IOException e) {
            failures.add(name + ": " + e);
        }
    }

    /** A chunked body (RFC 9112 section 7.1), without extensions or trailers, as Tomcat writes it. */
    private static byte[] readChunked(InputStream in) throws IOException {
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        while (true) {
            String size = readHead(in, new byte[] {'\r', '\n'}).strip();
            int n = size.isEmpty() ? 0 : Integer.parseInt(size, 16);
            if (n == 0) {
                return body.toByteArray();
            }
            body.writeBytes(in.readNBytes(n));
            in.readNBytes(2);
        }
    }

    private static String readHead(InputStream in) throws IOException {
        return readHead(in, new byte[] {'\r', '\n', '\r', '\n'});
    }

    /** The bytes up to and including {@code end} (or to the end of the stream), as ISO-8859-1 text. */
    private static String readHead(InputStream in, byte[] end) throws IOException {
        ByteArrayOutputStream head = new ByteArrayOutputStream();
        int matched = 0;
        while (matched < end.length) {
            int b = in.read();
            if (b < 0) {
                break;
            }
            head.write(b);
            matched = b == end[matched] ? matched + 1 : (b == '\r' ? 1 : 0);
        }
        return head.toString(StandardCharsets.ISO_8859_1);
    }

    private boolean expect(String name, HttpRequest request, int status) {
        return expect(name, send(request), status);
    }

    private boolean expect(String name, HttpRequest request, int status, String code) {
        return expect(name, send(request), status, code);
    }

    private boolean expect(String name, Answer answer, int status) {
        return expect(name, answer, status, null);
    }

    /** The answer has {@code status}; an error is problem+json with a code ({@code code} when not null). */
    private boolean expect(String name, Answer answer, int status, String code) {
        counts.computeIfAbsent(name, k -> new AtomicInteger()).incrementAndGet();
        if (answer == null) {
            return false;
        }
        if (answer.status() != status) {
            failures.add(name + ": " + answer.request() + " answered " + answer.status() + " (expected " + status
                    + "): " + abbreviate(answer.text()));
            return false;
        }
        return conforms(name, answer, code);
    }

    /** The answer has one of {@code statuses}; an error is problem+json with a code. */
    private void expectOneOf(String name, Answer answer, Set<Integer> statuses) {
        counts.computeIfAbsent(name, k -> new AtomicInteger()).incrementAndGet();
        if (answer == null) {
            return;
        }
        if (!statuses.contains(answer.status())) {
            failures.add(name + ": " + answer.request() + " answered " + answer.status() + " (expected one of "
                    + statuses + "): " + abbreviate(answer.text()));
            return;
        }
        conforms(name, answer, null);
    }

    private boolean conforms(String name, Answer answer, String code) {
        if (answer.status() >= 400 && !checkProblem(name, answer.request(), answer.contentType(), answer.text(),
                code)) {
            return false;
        }
        // 415 is not yet documented on the admin JSON endpoints (reported, left open): its problem is checked above
        List<String> problems = !answer.path().startsWith("/api/") || answer.status() == 415 ? List.of()
                : OpenApiResponseValidator.instance()
                .problems(answer.method(), answer.path(), answer.status(), answer.contentType(), answer.text());
        if (!problems.isEmpty()) {
            failures.add(name + ": " + answer.request() + " does not match the OpenAPI document: " + problems);
            return false;
        }
        return true;
    }

    /** An error answer is problem+json whose {@code code} is a stable constant ({@code expected} when given). */
    private boolean checkProblem(String name, String request, String contentType, String body, String expected) {
        if (!contentType.startsWith("application/problem+json")) {
            failures.add(name + ": " + request + " answered an error as " + contentType + ", not problem+json: "
                    + abbreviate(body));
            return false;
        }
        String code;
        try {
            code = JSON.readTree(body).path("code").asString();
        } catch (RuntimeException e) {
            failures.add(name + ": " + request + " answered a problem that is not JSON: " + abbreviate(body));
            return false;
        }
        if (!CODE.matcher(code).matches() || (expected != null && !expected.equals(code))) {
            failures.add(name + ": " + request + " answered code '" + code + "'"
                    + (expected == null ? "" : " (expected " + expected + ")") + ": " + abbreviate(body));
            return false;
        }
        return true;
    }

    private void expectBinary(String name, HttpRequest request, int minimumLength) {
        Answer answer = send(request, false);
        if (expect(name, answer, 200) && answer.length() < minimumLength) {
            failures.add(name + ": body of " + answer.length() + " bytes, expected at least " + minimumLength);
        }
    }

    private HttpRequest get(String path) {
        return request(path, CLIENT_KEY).GET().build();
    }

    private HttpRequest adminGet(String path) {
        return request(path, ADMIN_KEY).GET().build();
    }

    private HttpRequest post(String path, String key) {
        return request(path, key).POST(HttpRequest.BodyPublishers.noBody()).build();
    }

    private HttpRequest adminPost(String path) {
        return post(path, ADMIN_KEY);
    }

    private HttpRequest adminJson(String path, String json) {
        return request(path, ADMIN_KEY).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(json)).build();
    }

    private HttpRequest.Builder request(String path, String key) {
        HttpRequest.Builder builder = HttpRequest.newBuilder(URI.create(baseUrl() + path)).timeout(ANSWER_BOUND);
        return key == null ? builder : builder.header("X-API-Key", key);
    }

    private HttpRequest uploadRequest(String filename, byte[] content, String mpp, String externalId) {
        Map<String, String> fields = new java.util.LinkedHashMap<>();
        if (mpp != null) {
            fields.put("mpp", mpp);
        }
        if (externalId != null) {
            fields.put("externalId", externalId);
        }
        return multipart("/api/v1/slides", CLIENT_KEY, fields, filename, content);
    }

    /** A checkpoint upload, as multipart or as a raw octet-stream body with the fields as query parameters. */
    private HttpRequest modelUpload(byte[] checkpoint, String kind, String classes, boolean asMultipart) {
        if (asMultipart) {
            Map<String, String> fields = new java.util.LinkedHashMap<>();
            fields.put("kind", kind);
            if (classes != null) {
                fields.put("classes", classes);
            }
            return multipart("/api/v1/admin/models", ADMIN_KEY, fields, "head.pth", checkpoint);
        }
        String query = "?kind=" + java.net.URLEncoder.encode(kind, StandardCharsets.UTF_8)
                + (classes == null ? "" : "&classes=" + classes);
        return request("/api/v1/admin/models" + query, ADMIN_KEY).header("Content-Type", "application/octet-stream")
                .POST(HttpRequest.BodyPublishers.ofByteArray(checkpoint)).build();
    }

    private HttpRequest labelSetCsv(String csv) {
        return multipart("/api/v1/admin/label-sets", ADMIN_KEY, Map.of("name", "soak"), "labels.csv",
                csv.getBytes(StandardCharsets.UTF_8));
    }

    private HttpRequest multipart(String path, String key, Map<String, String> fields, String filename,
                                  byte[] content) {
        String boundary = "soak-" + UUID.randomUUID();
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        fields.forEach((field, value) -> body.writeBytes(("--" + boundary + "\r\nContent-Disposition: form-data; "
                + "name=\"" + field + "\"\r\n\r\n" + value + "\r\n").getBytes(StandardCharsets.UTF_8)));
        body.writeBytes(("--" + boundary + "\r\nContent-Disposition: form-data; name=\"file\"; filename=\""
                + filename + "\"\r\nContent-Type: application/octet-stream\r\n\r\n").getBytes(StandardCharsets.UTF_8));
        body.writeBytes(content);
        body.writeBytes(("\r\n--" + boundary + "--\r\n").getBytes(StandardCharsets.UTF_8));
        return request(path, key).header("Content-Type", "multipart/form-data; boundary=" + boundary)
                .POST(HttpRequest.BodyPublishers.ofByteArray(body.toByteArray())).build();
    }

    private static byte[] pth(StateDict weights) throws IOException {
        Path file = Files.createTempFile("soak-head-", ".pth");
        try {
            TorchCheckpointWriter.write(file, weights);
            return Files.readAllBytes(file);
        } finally {
            Files.delete(file);
        }
    }

    private static byte[] safetensors(StateDict weights) throws IOException {
        Path file = Files.createTempFile("soak-head-", ".safetensors");
        try {
            Safetensors.write(file, weights, Map.of());
            return Files.readAllBytes(file);
        } finally {
            Files.delete(file);
        }
    }

    private Answer send(HttpRequest request) {
        return send(request, true);
    }

    /** Sends the request; no answer within the bound is a failure of the run (recorded), not of the client. */
    private Answer send(HttpRequest request, boolean text) {
        String what = request.method() + " " + request.uri().getRawPath();
        long start = System.nanoTime();
        try {
            HttpResponse<byte[]> response = http.send(request, HttpResponse.BodyHandlers.ofByteArray());
            Duration took = Duration.ofNanos(System.nanoTime() - start);
            nanos.computeIfAbsent(request.method() + " " + request.uri().getPath().replaceAll("[0-9a-f-]{36}", "{id}")
                            .replaceAll("/dzi_files/[^/]+/[^/]+\\.", "/dzi_files/{level}/{col}_{row}."),
                    k -> new LongAdder()).add(took.toNanos());
            if (took.compareTo(ANSWER_BOUND) > 0) {
                failures.add(what + " took " + took);
            }
            byte[] body = response.body();
            return new Answer(request.method(), request.uri().getRawPath(), response.statusCode(),
                    response.headers().firstValue("Content-Type").orElse(""),
                    response.headers().firstValue("ETag").orElse(null),
                    text || response.statusCode() >= 400 ? new String(body, StandardCharsets.UTF_8) : null, body);
        } catch (IOException e) {
            failures.add(what + " got no answer within " + ANSWER_BOUND + ": " + e);
            return null;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return null;
        }
    }

    /**
     * What the process holds once it is quiet: retained heap, resident set, the part of the resident set outside the
     * JVM's own committed memory (native: libtorch, OpenSlide, malloc), open file descriptors, live threads.
     */
    private record Resources(long heap, long resident, long nativeResident, int fds, int threads) {
        @Override
        public String toString() {
            return String.format(Locale.ROOT, "{heap %d MiB, rss %d MiB, native %d MiB, %d fds, %d threads}",
                    heap >> 20, resident >> 20, nativeResident >> 20, fds, threads);
        }
    }

    /**
     * Waits until no analysis, training or pretraining job runs or waits, then measures the heap that survives a full
     * collection, the resident set, the open file descriptors and the live threads.
     */
    private Resources quiescentResources() throws IOException {
        await("no job running or queued").atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(250))
                .until(() -> jdbc.sql("select (select count(*) from analysis_job where status in ('QUEUED', "
                        + "'RUNNING')) + (select count(*) from training_job where status in ('QUEUED', 'RUNNING'))"
                        + " + (select count(*) from pretraining_job where status in ('QUEUED', 'RUNNING'))")
                        .query(Long.class).single() == 0);
        long used = Long.MAX_VALUE;
        for (int i = 0; i < 3; i++) {
            System.gc();
            used = Math.min(used, ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed());
        }
        int fds;
        try (Stream<Path> open = Files.list(Path.of("/proc/self/fd"))) {
            fds = (int) open.count();
        }
        // The heap's committed size swings by gigabytes between collections (G1 grows and uncommits it: 3.1 GB, then
        // 1.2 GB, then 3.5 GB of resident set in one run with ~80 MB retained), so a leak shows in what lies outside it.
        // glibc keeps freed blocks in its arenas; hand them back first, so what remains is memory in use.
        com.sun.jna.NativeLibrary.getInstance("c").getFunction("malloc_trim").invokeInt(new Object[] {0});
        long resident = residentBytes();
        long jvmCommitted = ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getCommitted()
                + ManagementFactory.getMemoryMXBean().getNonHeapMemoryUsage().getCommitted();
        return new Resources(used, resident, resident - jvmCommitted, fds,
                ManagementFactory.getThreadMXBean().getThreadCount());
    }

    private static long residentBytes() throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
            if (line.startsWith("RssAnon:")) {
                return Long.parseLong(line.replaceAll("\\D+", "")) * 1024;
            }
        }
        throw new IllegalStateException("no RssAnon in /proc/self/status");
    }

    /** The pool's active connections as Prometheus scrapes them (summed over pools). */
    private double activeConnections() {
        Answer scrape = send(request("/actuator/prometheus", ADMIN_KEY).GET().build());
        assertThat(scrape).isNotNull();
        assertThat(scrape.status()).isEqualTo(200);
        Matcher matcher = ACTIVE_CONNECTIONS.matcher(scrape.text());
        double active = 0;
        boolean found = false;
        while (matcher.find()) {
            active += Double.parseDouble(matcher.group(1));
            found = true;
        }
        assertThat(found).as("hikaricp_connections_active in the scrape").isTrue();
        return active;
    }

    private static List<Path> filesUnder(Path dir) {
        if (!Files.isDirectory(dir)) {
            return List.of();
        }
        try (Stream<Path> walk = Files.walk(dir)) {
            return walk.filter(Files::isRegularFile).toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String abbreviate(String body) {
        return body == null || body.length() <= 300 ? body : body.substring(0, 300) + "...";
    }
}
