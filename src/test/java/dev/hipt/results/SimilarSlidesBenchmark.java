package dev.hipt.results;

import dev.hipt.model.ModelBenchmark;
import dev.hipt.model.Precision;
import java.io.IOException;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.UUID;
import javax.sql.DataSource;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.core.simple.JdbcClient;

/**
 * The similar-slides index at 10k, 100k and 1M slides (a benchmark, not a test): build time, heap per slide and
 * query latency (p50, p99) of {@code /similar}'s search, each held against limits measured just before and after
 * that size's queries (the better of the two, so on a shared machine both sides of a ratio come from the same
 * seconds): the JVM's streaming read bandwidth (a float sum over 256 MB) and its dot-product rate on data in cache
 * (the index's own kernel over 1000 rows). Then the start-up load of 100k rows from an in-memory H2 database through the service's
 * own keyset-chunked loader.
 *
 * <pre>
 * ./mvnw -q -o test-compile org.codehaus.mojo:exec-maven-plugin:3.6.4:java -Dexec.classpathScope=test \
 *     -Dexec.mainClass=dev.hipt.results.SimilarSlidesBenchmark
 * </pre>
 *
 * Options (system properties): {@code hipt.bench.sizes} (slides per index, default {@code 10000,100000,1000000}),
 * {@code hipt.bench.queries} (timed queries per size, default 300), {@code hipt.bench.k} (default 10),
 * {@code hipt.bench.h2-rows} (rows of the H2 load, 0 to skip, default 100000).
 */
public final class SimilarSlidesBenchmark {

    private static final int DIM = 192;
    private static final String VERSION = "bench0000001";

    private SimilarSlidesBenchmark() {
    }

    public static void main(String[] args) throws IOException {
        int[] sizes = Arrays.stream(System.getProperty("hipt.bench.sizes", "10000,100000,1000000").split(","))
                .mapToInt(s -> Integer.parseInt(s.trim())).toArray();
        int queries = Integer.getInteger("hipt.bench.queries", 300);
        int k = Integer.getInteger("hipt.bench.k", 10);
        int h2Rows = Integer.getInteger("hipt.bench.h2-rows", 100_000);
        System.out.printf("machine: %s, %d logical CPUs; load average at start: %s%n", ModelBenchmark.cpuModel(),
                Runtime.getRuntime().availableProcessors(), ModelBenchmark.loadAverage());
        System.out.printf("CPU flags: %s%n", Precision.cpuFlags().stream()
                .filter(f -> f.startsWith("avx") || f.equals("fma") || f.startsWith("amx") || f.startsWith("sse4"))
                .toList());
        System.out.printf("JVM: %s %s, max heap %d MB; one query runs on one thread%n",
                System.getProperty("java.vm.name"), System.getProperty("java.vm.version"),
                Runtime.getRuntime().maxMemory() >> 20);

        System.out.printf("limits, measured just before and after each size's queries (the better of the two):"
                + " streaming read = a float sum over 256 MB, best of 3; in-cache dot rate = the index's kernel over"
                + " 1000 rows x %d, best of 3%n", DIM);
        for (int n : sizes) {
            benchmarkIndex(n, queries, k);
        }
        if (h2Rows > 0) {
            benchmarkH2Load(h2Rows);
        }
    }

    private static void benchmarkIndex(int n, int queries, int k) {
        long before = usedHeap();
        SplittableRandom random = new SplittableRandom(n);
        SlideEmbeddingIndex index = new SlideEmbeddingIndex();
        long t0 = System.nanoTime();
        for (int i = 0; i < n; i++) {
            index.put(UUID.randomUUID(), VERSION, vector(random));
        }
        double build = (System.nanoTime() - t0) / 1e9;
        long bytesPerSlide = (usedHeap() - before) / n;

        int warmup = Math.max(20, queries / 5);
        double[] ms = new double[queries];
        double bandwidth = streamBandwidth();
        double dotRate = inCacheDotRate();
        for (int q = -warmup; q < queries; q++) {
            float[] query = vector(random);
            long s = System.nanoTime();
            List<SimilarSlides.SimilarSlide> found = index.nearest(VERSION, query, k, null);
            long e = System.nanoTime();
            if (found.size() != Math.min(k, n)) {
                throw new IllegalStateException("expected " + k + " neighbours, got " + found.size());
            }
            if (q >= 0) {
                ms[q] = (e - s) / 1e6;
            }
        }
        bandwidth = Math.max(bandwidth, streamBandwidth());
        dotRate = Math.max(dotRate, inCacheDotRate());
        Arrays.sort(ms);
        double p50 = ms[queries / 2];
        double p99 = ms[Math.min(queries - 1, (int) Math.ceil(queries * 0.99) - 1)];
        double vectorBytes = (double) n * DIM * Float.BYTES;
        double scanRate = vectorBytes / (p50 / 1e3);
        double macRate = (double) n * DIM / (p50 / 1e3);
        System.out.printf("%,9d slides: build %.2f s (%.2f us/slide), heap %d bytes/slide (vectors %d); query k=%d "
                        + "p50 %.2f ms, p99 %.2f ms; p50 scans %.1f GB/s = %.2f of streaming read, %.2f G "
                        + "multiply-adds/s = %.2f of the in-cache dot rate (limits: %.1f GB/s, %.2f G/s)%n",
                n, build, build / n * 1e6, bytesPerSlide, DIM * Float.BYTES, k, p50, p99, scanRate / 1e9,
                scanRate / bandwidth, macRate / 1e9, macRate / dotRate, bandwidth / 1e9, dotRate / 1e9);
        if (index.size() != n) {
            throw new IllegalStateException("index holds " + index.size() + " of " + n);
        }
    }

    /** Fills an in-memory H2 database through the migrations, then times a replica's start-up load of it. */
    private static void benchmarkH2Load(int rows) {
        DataSource dataSource = ResultsTestDatabase.h2();
        ResultsTestDatabase.migrate(dataSource);
        JdbcTemplate template = new JdbcTemplate(dataSource);
        SplittableRandom random = new SplittableRandom(7);
        OffsetDateTime now = OffsetDateTime.now(ZoneOffset.UTC);
        long t0 = System.nanoTime();
        for (int from = 0; from < rows; from += 5000) {
            List<Object[]> slides = new ArrayList<>();
            List<Object[]> results = new ArrayList<>();
            for (int i = from; i < Math.min(rows, from + 5000); i++) {
                UUID id = UUID.randomUUID();
                slides.add(new Object[] {id, id.toString().replace("-", "") + "0".repeat(32), "slides/" + id, now,
                        now});
                results.add(new Object[] {id, VERSION, 1, Vectors.toBytes(vector(random)), false, "{}", now});
            }
            template.batchUpdate("INSERT INTO slides (id, filename, sha256, size_bytes, blob_key, file_format, width,"
                    + " height, mpp_source, created_at, updated_at) VALUES (?, 'b.svs', ?, 1, ?, 'svs', 4096, 4096,"
                    + " 'FILE', ?, ?)", slides);
            template.batchUpdate("INSERT INTO slide_result (slide_id, model_version, regions, mean_cls4k, untrained,"
                    + " provenance, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)", results);
        }
        System.out.printf("H2 (in memory): inserted %,d slides with results in %.1f s%n", rows,
                (System.nanoTime() - t0) / 1e9);
        for (int run = 1; run <= 2; run++) {
            IndexedSlideEmbeddings embeddings = new IndexedSlideEmbeddings(JdbcClient.create(dataSource));
            long s = System.nanoTime();
            int loaded = embeddings.load();
            double seconds = (System.nanoTime() - s) / 1e9;
            System.out.printf("H2 start-up load, run %d: %,d slides in %.2f s (%.1f us/slide, %d rows per chunk)%n",
                    run, loaded, seconds, seconds / loaded * 1e6, IndexedSlideEmbeddings.LOAD_CHUNK);
        }
    }

    /** Bytes per second of a float sum over 256 MB, best of 3: what one thread can stream from memory. */
    private static double streamBandwidth() {
        float[] big = new float[64 << 20];
        Arrays.fill(big, 1f);
        double best = 0;
        float sink = 0;
        for (int r = 0; r < 3; r++) {
            long t0 = System.nanoTime();
            sink += sum(big);
            best = Math.max(best, big.length * (double) Float.BYTES / ((System.nanoTime() - t0) / 1e9));
        }
        if (sink == 0) {
            throw new IllegalStateException("sum lost");
        }
        return best;
    }

    private static float sum(float[] v) {
        float s0 = 0;
        float s1 = 0;
        float s2 = 0;
        float s3 = 0;
        for (int i = 0; i < v.length; i += 4) {
            s0 += v[i];
            s1 += v[i + 1];
            s2 += v[i + 2];
            s3 += v[i + 3];
        }
        return s0 + s1 + s2 + s3;
    }

    /** Multiply-adds per second of the index's dot kernel over 1000 rows (768 KB, in cache), best of 3. */
    private static double inCacheDotRate() {
        SplittableRandom random = new SplittableRandom(3);
        int rows = 1000;
        float[] m = new float[rows * DIM];
        for (int i = 0; i < m.length; i++) {
            m[i] = (float) random.nextDouble(-1, 1);
        }
        float[] q = vector(random);
        double best = 0;
        float sink = 0;
        for (int r = 0; r < 3; r++) {
            long t0 = System.nanoTime();
            for (int rep = 0; rep < 200; rep++) {
                for (int row = 0; row < rows; row++) {
                    sink += SlideEmbeddingIndex.dot(q, m, row * DIM, DIM);
                }
            }
            best = Math.max(best, 200.0 * rows * DIM / ((System.nanoTime() - t0) / 1e9));
        }
        if (sink == 0) {
            throw new IllegalStateException("dot products lost");
        }
        return best;
    }

    private static float[] vector(SplittableRandom random) {
        float[] v = new float[DIM];
        for (int i = 0; i < DIM; i++) {
            v[i] = (float) random.nextDouble(-1, 1);
        }
        return v;
    }

    private static long usedHeap() {
        Runtime runtime = Runtime.getRuntime();
        long used = Long.MAX_VALUE;
        // until a collection frees nothing more
        for (int i = 0; i < 10; i++) {
            System.gc();
            long now = runtime.totalMemory() - runtime.freeMemory();
            if (now >= used) {
                break;
            }
            used = now;
        }
        return used;
    }
}
