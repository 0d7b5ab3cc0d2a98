package dev.hipt.job;

import dev.hipt.HiptApplication;
import dev.hipt.model.Precision;
import dev.hipt.wsi.Mpp;
import dev.hipt.wsi.MppResolver;
import dev.hipt.wsi.Region;
import dev.hipt.wsi.RegionGrid;
import dev.hipt.wsi.RegionReader;
import dev.hipt.wsi.TissueDetector;
import dev.hipt.wsi.WholeSlideImage;
import dev.hipt.wsi.WholeSlideImages;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadInfo;
import java.lang.management.ThreadMXBean;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.web.server.context.WebServerApplicationContext;
import org.springframework.context.ConfigurableApplicationContext;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * End-to-end benchmark of an analysis (not a test): the whole service in this JVM (H2 in memory, a fresh blob store,
 * the compiled encoder on seeded random weights of the official sizes, {@code hipt.model.precision=auto}), a real
 * HTTP upload of a generated slide, and then what the service does with it: tissue detection, region grid, region
 * reads on the reader threads, batched encoding on the worker, every region stored in the database and the blob
 * store, the slide result. It prints regions/s from the upload's first byte to the job's SUCCEEDED against the
 * model-only regions/s of the same run: the same encoder, through the same {@link RegionInference} call the
 * pipeline makes, on regions of the same slide already in memory, measured before and after the analysis. It also
 * prints the CPU flags, what {@code auto} picked, and where the pipeline's time went (inside encoder calls, or not).
 *
 * <pre>
 * /work/shared/tools/make-test-slide.sh /tmp/pipeline-20.tiff 20480 16384     # 5 x 4 = 20 regions of 4096
 * ./mvnw -q -o test-compile org.codehaus.mojo:exec-maven-plugin:3.6.4:exec -Dexec.executable=java \
 *   -Dexec.classpathScope=test \
 *   -Dexec.args="-Xmx6g -classpath %classpath dev.hipt.job.PipelineBenchmark /tmp/pipeline-20.tiff"
 * </pre>
 *
 * Arguments: {@code SLIDE}. System properties: {@code hipt.bench.model-batches} (encoder calls timed before and
 * after the analysis, default 2 each), and any {@code hipt.*} setting of the service (e.g.
 * {@code -Dhipt.model.precision=fp32}, {@code -Dhipt.job.reader-threads=1}), which override the benchmark's. Figures
 * are in {@code docs/performance.md}, "End to end".
 */
public final class PipelineBenchmark {

    private static final String KEY = "pipeline-benchmark-key";
    private static final List<String> CPU_FLAGS = List.of("avx2", "avx512f", "avx512_bf16", "avx512_fp16", "amx_tile",
            "amx_bf16", "amx_int8");

    private PipelineBenchmark() {
    }

    public static void main(String[] args) throws Exception {
        if (args.length != 1) {
            System.err.println("usage: PipelineBenchmark SLIDE");
            System.exit(2);
        }
        Path slide = Path.of(args[0]);
        int modelBatches = Integer.getInteger("hipt.bench.model-batches", 2);
        Path data = Files.createTempDirectory("hipt-pipeline-bench");
        System.setProperty("ai.djl.offline", System.getProperty("ai.djl.offline", "true"));
        // as command-line arguments, so they win over application.yml (default properties would not)
        String[] settings = serviceProperties(data).entrySet().stream().map(e -> "--" + e.getKey() + "=" + e.getValue())
                .toArray(String[]::new);
        ConfigurableApplicationContext context = new SpringApplicationBuilder(HiptApplication.class).run(settings);
        try {
            run(context, slide, modelBatches);
        } finally {
            context.close();
            deleteTree(data);
        }
    }

    /** The service's settings for the run; {@code -Dhipt.*} on the command line wins over these defaults. */
    private static Map<String, String> serviceProperties(Path data) {
        Map<String, String> p = new TreeMap<>();
        p.put("server.port", "0");
        p.put("hipt.storage.root", data.toString());
        p.put("spring.datasource.url", "jdbc:h2:mem:pipeline-bench-" + UUID.randomUUID() + ";DB_CLOSE_DELAY=-1");
        p.put("hipt.model.demo-random-weights", "true");
        p.put("hipt.model.device", "cpu");
        p.put("hipt.job.polling-interval", "200ms");
        p.put("hipt.security.api-keys[0].name", "benchmark");
        p.put("hipt.security.api-keys[0].role", "ADMIN");
        p.put("hipt.security.api-keys[0].key-sha256", sha256(KEY));
        p.put("logging.level.root", "WARN");
        p.put("spring.main.banner-mode", "off");
        System.getProperties().stringPropertyNames().stream().filter(n -> n.startsWith("hipt.")
                && !n.startsWith("hipt.bench.")).forEach(n -> p.put(n, System.getProperty(n)));
        return p;
    }

    private static void run(ConfigurableApplicationContext context, Path file, int modelBatches) throws Exception {
        ModelProvider provider = context.getBean(ModelProvider.class);
        RegionInference inference = context.getBean(RegionInference.class);
        JobProperties jobProperties = context.getBean(JobProperties.class);
        AnalysisJobs jobs = context.getBean(AnalysisJobs.class);
        MeterRegistry meters = context.getBean(MeterRegistry.class);
        int port = ((WebServerApplicationContext) context).getWebServer().getPort();

        long loadStart = System.nanoTime();
        LoadedModels loaded = provider.models();
        System.out.printf(Locale.ROOT, "models: %s on %s, precision %s (configured %s), compiled %s, loaded in %.1f s%n",
                loaded.provenance().modelVersion(), loaded.encoder().device(), loaded.encoder().precision().label(),
                context.getBean(ModelProperties.class).precision().label(), loaded.encoder().compiled(),
                (System.nanoTime() - loadStart) / 1e9);
        System.out.println("CPU: " + cpuModel() + ", " + Runtime.getRuntime().availableProcessors()
                + " logical CPUs, flags " + Precision.cpuFlags().stream().filter(CPU_FLAGS::contains)
                .collect(Collectors.joining(" ")) + " (auto picks bf16 with amx_bf16 or avx512_bf16)");
        System.out.printf(Locale.ROOT, "pipeline: reader-threads %d, read-ahead %d, batch-regions %d, workers %d, "
                        + "vit256 batch %d, libtorch threads %s%n", jobProperties.readerThreads(),
                jobProperties.readAhead(), jobProperties.batchRegions(), jobProperties.workersPerDevice(),
                loaded.encoder().options().vit256BatchSize(), System.getProperty("ai.djl.pytorch.num_threads",
                        "default (cores)"));

        ModelOnly model = new ModelOnly(inference, loaded, jobProperties.batchRegions(), file);
        System.out.printf(Locale.ROOT, "warm-up: one encoder call of %d regions in %.1f s (not counted)%n",
                jobProperties.batchRegions(), model.timeBatch());
        List<Double> before = new ArrayList<>();
        for (int i = 0; i < modelBatches; i++) {
            before.add(model.timeBatch());
        }
        print("model-only before", jobProperties.batchRegions(), before);

        Timer encoderCalls = meters.get("hipt.inference.latency").timer();
        double encoderSecondsBefore = encoderCalls.totalTime(TimeUnit.SECONDS);
        long readerCpuBefore = readerCpuNanos();
        long processCpuBefore = processCpuNanos();
        double loadBefore = loadAverage();

        long t0 = System.nanoTime();
        UUID jobId = upload(port, file);
        long uploaded = System.nanoTime();
        JobView done = awaitEnd(jobs, jobId);
        long t1 = System.nanoTime();

        double encoderSeconds = encoderCalls.totalTime(TimeUnit.SECONDS) - encoderSecondsBefore;
        double readerCpu = (readerCpuNanos() - readerCpuBefore) / 1e9;
        double processCpu = (processCpuNanos() - processCpuBefore) / 1e9;
        double loadAfterE2e = loadAverage();
        if (done.status() != JobStatus.SUCCEEDED) {
            throw new IllegalStateException("the analysis did not succeed: " + done);
        }
        int regions = done.progress().done();
        double e2e = (t1 - t0) / 1e9;
        double running = Duration.between(done.startedAt(), done.finishedAt()).toNanos() / 1e9;
        System.out.printf(Locale.ROOT, "end to end: %d regions in %.1f s = %.4f regions/s (upload answered after "
                        + "%.1f s; job running %.1f s, of which %.1f s inside encoder calls, %.1f s not: tissue, "
                        + "grid, reads not hidden by read-ahead, storing); load average %.2f -> %.2f%n", regions, e2e,
                regions / e2e, (uploaded - t0) / 1e9, running, encoderSeconds, running - encoderSeconds, loadBefore,
                loadAfterE2e);
        System.out.printf(Locale.ROOT, "reader threads: %.2f CPU s per region (read, decode, ARGB to RGB, float CHW); "
                        + "process: %.1f CPU s per region, %.2f cores busy on average%n", readerCpu / regions,
                processCpu / regions, processCpu / e2e);

        List<Double> after = new ArrayList<>();
        for (int i = 0; i < modelBatches; i++) {
            after.add(model.timeBatch());
        }
        print("model-only after", jobProperties.batchRegions(), after);
        List<Double> all = new ArrayList<>(before);
        all.addAll(after);
        double modelRate = jobProperties.batchRegions() * all.size() / all.stream().mapToDouble(d -> d).sum();
        double inPipelineRate = regions / encoderSeconds;
        System.out.printf(Locale.ROOT, "RESULT: end-to-end %.4f regions/s, model-only %.4f regions/s (same run, "
                        + "mean of %d calls): ratio %.3f (target >= 0.85); encoder calls inside the pipeline ran at "
                        + "%.4f regions/s (%.3f of model-only)%n", regions / e2e, modelRate, all.size(),
                regions / e2e / modelRate, inPipelineRate, inPipelineRate / modelRate);
    }

    private static void print(String what, int regionsPerCall, List<Double> seconds) {
        System.out.println(what + ": " + seconds.stream().map(s -> String.format(Locale.ROOT, "%.1f s (%.4f regions/s)",
                s, regionsPerCall / s)).collect(Collectors.joining(", ")) + " per call of " + regionsPerCall
                + " regions");
    }

    /**
     * The encoder alone: {@code regions} regions of the slide, read and preprocessed once as the pipeline's reader
     * threads do it, then handed to the same {@link RegionInference#encode} call the pipeline makes.
     */
    private static final class ModelOnly {

        private final RegionInference inference;
        private final LoadedModels loaded;
        private final List<float[]> chw = new ArrayList<>();
        private final int side;

        ModelOnly(RegionInference inference, LoadedModels loaded, int regions, Path file) {
            this.inference = inference;
            this.loaded = loaded;
            RegionReader reader = new RegionReader();
            try (WholeSlideImage slide = WholeSlideImages.open(file)) {
                Mpp mpp = MppResolver.resolve(slide.metadata(), null);
                List<Region> grid = RegionGrid.plan(slide.metadata(), new TissueDetector().detect(slide),
                        reader.level0Footprint(mpp));
                for (Region region : grid.subList(0, Math.min(regions, grid.size()))) {
                    chw.add(inference.preprocess(reader.read(slide, mpp, region.x(), region.y())));
                }
            }
            side = (int) Math.round(Math.sqrt(chw.get(0).length / 3.0));
        }

        /** Seconds of one encoder call over the regions in memory. */
        double timeBatch() {
            long t0 = System.nanoTime();
            inference.encode(loaded, chw, side, patches -> { });
            return (System.nanoTime() - t0) / 1e9;
        }
    }

    /** Streams the slide to {@code POST /api/v1/slides} as a raw body; answers the analysis job's id. */
    private static UUID upload(int port, Path file) throws IOException, InterruptedException {
        HttpClient http = HttpClient.newHttpClient();
        String name = URLEncoder.encode(file.getFileName().toString(), StandardCharsets.UTF_8);
        HttpRequest request = HttpRequest.newBuilder(URI.create("http://localhost:" + port + "/api/v1/slides?filename="
                        + name))
                .header("X-API-Key", KEY)
                .header("Content-Type", "application/octet-stream")
                .POST(HttpRequest.BodyPublishers.ofFile(file))
                .build();
        HttpResponse<String> response = http.send(request, HttpResponse.BodyHandlers.ofString());
        if (response.statusCode() != 202) {
            throw new IllegalStateException("upload answered " + response.statusCode() + ": " + response.body());
        }
        JsonNode answer = JsonMapper.builder().build().readTree(response.body());
        if (!"QUEUED".equals(answer.get("analysis").asString())) {
            throw new IllegalStateException("expected a new slide with a queued analysis: " + response.body());
        }
        return UUID.fromString(answer.get("job").get("id").asString());
    }

    private static JobView awaitEnd(AnalysisJobs jobs, UUID jobId) throws InterruptedException {
        int lastDone = -1;
        while (true) {
            JobView job = jobs.find(jobId).orElseThrow();
            if (job.status().isFinal()) {
                return job;
            }
            if (job.progress().done() != lastDone) {
                lastDone = job.progress().done();
                System.out.printf(Locale.ROOT, "  %s %d / %d regions%n", job.status(), lastDone,
                        job.progress().total());
            }
            Thread.sleep(200);
        }
    }

    /** CPU time of the pipeline's reader threads so far. */
    private static long readerCpuNanos() {
        ThreadMXBean threads = ManagementFactory.getThreadMXBean();
        long sum = 0;
        for (ThreadInfo info : threads.getThreadInfo(threads.getAllThreadIds())) {
            if (info != null && info.getThreadName().startsWith("hipt-region-reader-")) {
                sum += Math.max(0, threads.getThreadCpuTime(info.getThreadId()));
            }
        }
        return sum;
    }

    private static long processCpuNanos() {
        return ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean())
                .getProcessCpuTime();
    }

    private static double loadAverage() {
        return ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage();
    }

    private static String cpuModel() {
        try (Stream<String> lines = Files.lines(Path.of("/proc/cpuinfo"))) {
            return lines.filter(l -> l.startsWith("model name")).findFirst()
                    .map(l -> l.substring(l.indexOf(':') + 1).trim()).orElse("unknown CPU");
        } catch (IOException | RuntimeException e) {
            return "unknown CPU";
        }
    }

    private static String sha256(String text) {
        try {
            return java.util.HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256")
                    .digest(text.getBytes(StandardCharsets.UTF_8)));
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static void deleteTree(Path root) throws IOException {
        try (Stream<Path> walk = Files.walk(root)) {
            walk.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }
}
