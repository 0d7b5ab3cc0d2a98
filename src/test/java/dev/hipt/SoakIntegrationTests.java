package dev.hipt;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.management.ManagementFactory;
import java.io.OutputStream;
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
import java.util.Collections;
import java.util.List;
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
 * The service used the way a LIMS uses it: several clients at once, for a while, over real HTTP, against the whole
 * service with the real job engine, database, blob store and HIPT model (seeded one-block ViTs written as
 * checkpoints, so analyses are real but quick). The clients send a few thousand mixed requests: uploads of new
 * and repeated bytes, list, get, embeddings, patches, predictions, QC images, job polling and cancel, deletes, and
 * bad requests. Every answer must come within {@link #ANSWER_BOUND} with the status its request calls for (never a
 * 5xx) and match the OpenAPI document ({@link OpenApiResponseValidator}); afterwards no pooled connection is still in use, no temporary upload is left, and the heap after a full GC
 * has not grown from the first half of the run to the second.
 *
 * <p>Every earlier test touched each path once; a connection that one GET never returned to the pool took the
 * service down after ten reads of one slide, and none of them noticed. This test is the one that does.
 */
@TestPropertySource(properties = {
        "hipt.model.device=cpu",
        "hipt.job.polling-interval=200ms",
        "hipt.job.max-queued=1000",
        "hipt.upload.max-size=8MB",
        // Each new upload would start a child JVM for the crash probe (ReaderCrashGuardTests covers it); here it
        // would spend the run's time budget on JVM start-ups instead of requests.
        "hipt.upload.isolate-readers=false"})
@ContextConfiguration(initializers = TinyCheckpoints.Initializer.class)
class SoakIntegrationTests extends ServiceIntegrationTestSupport {

    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final int CLIENTS = 6;
    private static final int REQUESTS = 2400;
    private static final Duration RUN_LIMIT = Duration.ofSeconds(90);
    /** The slowest answer any request may take. */
    static final Duration ANSWER_BOUND = Duration.ofSeconds(10);
    /** Retained heap the second half of the run may add to the first's. */
    private static final long HEAP_GROWTH_BOUND = 24L * 1024 * 1024;
    private static final Pattern ACTIVE_CONNECTIONS =
            Pattern.compile("(?m)^hikaricp_connections_active\\{[^}]*}\\s+(\\S+)$");

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

    /** The analysed slide every reading request is about. */
    private UUID slide;
    private UUID job;
    private byte[] slideBytes;

    @Test
    void servesThousandsOfMixedConcurrentRequestsWithoutLeaking() throws Exception {
        analyseOneSlide();
        runClients(REQUESTS / 10, 1);          // warm-up: first-use allocations are not growth

        long heapAtStart = quiescentHeap();
        runClients(REQUESTS / 2, 2);
        long heapAfterFirstHalf = quiescentHeap();
        runClients(REQUESTS / 2, 3);
        long heapAfterSecondHalf = quiescentHeap();

        new TreeMap<>(nanos).forEach((route, total) -> System.out.printf("soak: %-50s %7d ms in all%n",
                route, total.sum() / 1_000_000));
        System.out.println("soak: requests by kind " + new TreeMap<>(counts));
        assertThat(failures).as("answers that broke the contract (of %s requests: %s)", REQUESTS + REQUESTS / 10,
                counts).isEmpty();
        assertThat(counts.keySet()).as("every kind of request was sent").containsAll(Operation.NAMES);
        await("pooled connections returned").atMost(Duration.ofSeconds(15)).pollInterval(Duration.ofMillis(250))
                .untilAsserted(() -> assertThat(activeConnections()).as("hikaricp_connections_active").isZero());
        await("temporary uploads removed").atMost(Duration.ofSeconds(15))
                .untilAsserted(() -> assertThat(filesUnder(dataDirectory().resolve("tmp"))).isEmpty());
        assertThat(heapAfterSecondHalf - heapAfterFirstHalf)
                .as("retained heap growth from the first half (%d MiB, %d MiB at the start) to the second",
                        heapAfterFirstHalf >> 20, heapAtStart >> 20)
                .isLessThan(HEAP_GROWTH_BOUND);
    }

    /** Uploads a slide with tissue and waits until the real pipeline has analysed it. */
    private void analyseOneSlide() {
        slideBytes = TestSlideImages.tissue(1);
        Answer upload = send(uploadRequest("tissue.png", slideBytes, "0.5"));
        assertThat(upload).isNotNull();
        assertThat(upload.status()).as(upload.text()).isEqualTo(202);
        JsonNode body = JSON.readTree(upload.text());
        slide = UUID.fromString(body.path("slide").path("id").asString());
        job = UUID.fromString(body.path("job").path("id").asString());
        await("the first analysis").atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofMillis(500))
                .until(() -> JSON.readTree(send(get("/api/v1/jobs/" + job)).text()).path("status").asString(),
                        status -> {
                            assertThat(status).isNotIn("FAILED", "CANCELLED");
                            return status.equals("SUCCEEDED");
                        });
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
        GET_SLIDE(10, (t, r) -> t.expect("GET_SLIDE", t.get("/api/v1/slides/" + t.slide), 200)),
        LIST_SLIDES(6, (t, r) -> t.expect("LIST_SLIDES", t.get("/api/v1/slides?size=20&page=" + r.nextInt(3)), 200)),
        GET_JOB(8, (t, r) -> t.expect("GET_JOB", t.get("/api/v1/jobs/" + t.job), 200)),
        EMBEDDINGS(6, (t, r) -> t.expect("EMBEDDINGS", t.get("/api/v1/slides/" + t.slide + "/embeddings"), 200)),
        PATCHES(3, (t, r) -> t.expectBinary("PATCHES", t.get("/api/v1/slides/" + t.slide + "/embeddings/patches"),
                256 * 384 * 4)),
        PREDICTIONS(6, (t, r) -> t.expect("PREDICTIONS",
                t.get("/api/v1/slides/" + t.slide + "/predictions"), 200)),
        SIMILAR(3, (t, r) -> t.expect("SIMILAR", t.get("/api/v1/slides/" + t.slide + "/similar?k=3"), 200)),
        QC_MASK(2, (t, r) -> t.expectBinary("QC_MASK", t.get("/api/v1/slides/" + t.slide + "/tissue/mask.png"), 1)),
        QC_OVERLAY(2, (t, r) -> t.expectBinary("QC_OVERLAY",
                t.get("/api/v1/slides/" + t.slide + "/tissue/overlay.png?maxSide=256"), 1)),
        REPEAT_UPLOAD(4, (t, r) -> t.expect("REPEAT_UPLOAD",
                t.uploadRequest("tissue.png", t.slideBytes, "0.5"), 200)),
        NEW_UPLOAD(3, (t, r) -> t.newUpload(r)),
        DELETE(1, (t, r) -> t.deleteOne()),
        UNKNOWN_SLIDE(4, (t, r) -> t.expect("UNKNOWN_SLIDE", t.get("/api/v1/slides/" + UUID.randomUUID()), 404)),
        UNKNOWN_JOB(3, (t, r) -> t.expect("UNKNOWN_JOB", t.get("/api/v1/jobs/" + UUID.randomUUID()), 404)),
        UNKNOWN_RESULTS(3, (t, r) -> t.expect("UNKNOWN_RESULTS",
                t.get("/api/v1/slides/" + UUID.randomUUID() + "/embeddings"), 404)),
        MALFORMED_ID(3, (t, r) -> t.expect("MALFORMED_ID", t.get("/api/v1/slides/not-a-uuid"), 400)),
        WRONG_KEY(3, (t, r) -> t.expect("WRONG_KEY", t.request("/api/v1/slides/" + t.slide, "wrong-key").GET()
                .build(), 401)),
        NO_KEY(2, (t, r) -> t.expect("NO_KEY", t.request("/api/v1/slides", null).GET().build(), 401)),
        ADMIN_WITH_CLIENT_KEY(2, (t, r) -> t.expect("ADMIN_WITH_CLIENT_KEY", t.get("/api/v1/admin/models"), 403)),
        BAD_UPLOAD(3, (t, r) -> t.expect("BAD_UPLOAD", t.uploadRequest("notes.svs",
                ("not a slide " + r.nextLong()).getBytes(StandardCharsets.UTF_8), null), 422)),
        ABORTED_UPLOAD(2, (t, r) -> t.abort("ABORTED_UPLOAD", "POST /api/v1/slides?filename=cut.png HTTP/1.1\r\n"
                + "Content-Type: application/octet-stream\r\nContent-Length: 200000\r\n", new byte[50_000])),
        ABORTED_DOWNLOAD(2, (t, r) -> t.abort("ABORTED_DOWNLOAD", "GET /api/v1/slides/" + t.slide
                + "/embeddings/patches HTTP/1.1\r\n", null));

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

    /**
     * A slide the client has not sent before: mostly a blank image (its analysis ends NO_TISSUE at once), now and
     * then one with tissue whose analysis the client cancels, polling the job either way.
     */
    private void newUpload(Random random) {
        boolean tissue = random.nextInt(4) == 0;
        int n = uniqueImages.incrementAndGet() + 1;
        byte[] bytes = tissue ? TestSlideImages.tissue(n) : TestSlideImages.blank(n);
        Answer upload = send(uploadRequest("new-" + n + ".png", bytes, "0.5"));
        if (!expect("NEW_UPLOAD", upload, 202)) {
            return;
        }
        JsonNode body = JSON.readTree(upload.text());
        String newJob = body.path("job").path("id").asString();
        expect("POLL_NEW_JOB", get("/api/v1/jobs/" + newJob), 200);
        if (tissue) {
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

    /** What came back: the status, the content type and the body (as text, or only its length when binary). */
    private record Answer(String method, String path, int status, String contentType, String text, int length) {
        String request() {
            return method + " " + path;
        }
    }

    /**
     * A client that goes away mid-request: it sends the head and part of a body (or reads only the first bytes of
     * the answer) and closes the connection. The server must release whatever it opened for the request.
     */
    private void abort(String name, String head, byte[] partialBody) {
        counts.computeIfAbsent(name, k -> new AtomicInteger()).incrementAndGet();
        try (Socket socket = new Socket("localhost", port)) {
            socket.setSoTimeout((int) ANSWER_BOUND.toMillis());
            OutputStream out = socket.getOutputStream();
            out.write((head + "Host: localhost\r\nX-API-Key: " + CLIENT_KEY + "\r\n\r\n")
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

    private boolean expect(String name, HttpRequest request, int status) {
        return expect(name, send(request), status);
    }

    private boolean expect(String name, Answer answer, int status) {
        counts.computeIfAbsent(name, k -> new AtomicInteger()).incrementAndGet();
        if (answer == null) {
            return false;
        }
        if (answer.status() != status) {
            failures.add(name + ": " + answer.request() + " answered " + answer.status() + " (expected " + status
                    + "): " + abbreviate(answer.text()));
            return false;
        }
        if (status >= 400 && !answer.contentType().startsWith("application/problem+json")) {
            failures.add(name + ": " + answer.request() + " answered " + status + " as " + answer.contentType()
                    + ", not problem+json");
            return false;
        }
        List<String> problems = OpenApiResponseValidator.instance().problems(answer.method(), answer.path(),
                answer.status(), answer.contentType(), answer.text());
        if (!problems.isEmpty()) {
            failures.add(name + ": " + answer.request() + " does not match the OpenAPI document: " + problems);
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

    private HttpRequest.Builder request(String path, String key) {
        HttpRequest.Builder builder = HttpRequest.newBuilder(URI.create(baseUrl() + path)).timeout(ANSWER_BOUND);
        return key == null ? builder : builder.header("X-API-Key", key);
    }

    private HttpRequest uploadRequest(String filename, byte[] content, String mpp) {
        String boundary = "soak-" + UUID.randomUUID();
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        if (mpp != null) {
            body.writeBytes(("--" + boundary + "\r\nContent-Disposition: form-data; name=\"mpp\"\r\n\r\n" + mpp
                    + "\r\n").getBytes(StandardCharsets.UTF_8));
        }
        body.writeBytes(("--" + boundary + "\r\nContent-Disposition: form-data; name=\"file\"; filename=\""
                + filename + "\"\r\nContent-Type: application/octet-stream\r\n\r\n").getBytes(StandardCharsets.UTF_8));
        body.writeBytes(content);
        body.writeBytes(("\r\n--" + boundary + "--\r\n").getBytes(StandardCharsets.UTF_8));
        return request("/api/v1/slides", CLIENT_KEY)
                .header("Content-Type", "multipart/form-data; boundary=" + boundary)
                .POST(HttpRequest.BodyPublishers.ofByteArray(body.toByteArray())).build();
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
            nanos.computeIfAbsent(request.method() + " " + request.uri().getPath().replaceAll("[0-9a-f-]{36}", "{id}"),
                    k -> new LongAdder()).add(took.toNanos());
            if (took.compareTo(ANSWER_BOUND) > 0) {
                failures.add(what + " took " + took);
            }
            byte[] body = response.body();
            return new Answer(request.method(), request.uri().getRawPath(), response.statusCode(),
                    response.headers().firstValue("Content-Type").orElse(""),
                    text || response.statusCode() >= 400 ? new String(body, StandardCharsets.UTF_8) : null,
                    body.length);
        } catch (IOException e) {
            failures.add(what + " got no answer within " + ANSWER_BOUND + ": " + e);
            return null;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return null;
        }
    }

    /** Waits until no analysis runs or waits, then measures the heap that survives a full collection. */
    private long quiescentHeap() {
        await("no analysis running or queued").atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(250))
                .until(() -> jdbc.sql("select count(*) from analysis_job where status in ('QUEUED', 'RUNNING')")
                        .query(Long.class).single() == 0);
        long used = Long.MAX_VALUE;
        for (int i = 0; i < 3; i++) {
            System.gc();
            used = Math.min(used, ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed());
        }
        return used;
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
