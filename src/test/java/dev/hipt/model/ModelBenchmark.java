package dev.hipt.model;

import ai.djl.MalformedModelException;
import ai.djl.Model;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.pytorch.jni.JniUtils;
import ai.djl.training.ParameterStore;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.Random;

/**
 * ViT-256 throughput of the eager and the compiled paths, each against the same run's GEMM rate of its own precision
 * (a benchmark, not a test). Official size: 12 blocks, random weights, through the encoder's own batch path.
 *
 * <pre>
 * ./mvnw -q -o test-compile org.codehaus.mojo:exec-maven-plugin:3.6.4:java -Dexec.classpathScope=test \
 *     -Dexec.mainClass=dev.hipt.model.ModelBenchmark
 * </pre>
 *
 * Options (system properties): {@code hipt.bench.variants} (comma-separated, default all of
 * {@code eager-fp32, compiled-fp32, compiled-bf16, compiled-fp16, compiled-fp32-unfused, compiled-bf16-unfused};
 * suffix "-unfused": the explicit {@code softmax(q k^T) v} instead of {@code scaled_dot_product_attention};
 * "-noonednn": {@code torch.linear} instead of oneDNN on prepacked weights; "-nogelu": GELU not fused into fc1;
 * "-convstem": ViT-256's stem as {@code torch.conv2d} instead of patchify + Linear; "-splitcls" / "-jointcls": the
 * CLS query's attention apart from the patch queries' SDPA, or all queries in one SDPA call, against the default),
 * {@code hipt.bench.batch} (ViT-256 batch, default 64), {@code hipt.bench.rounds} (timed batches per variant,
 * default 3), {@code hipt.bench.regions} (timed 4096 regions through the full encoder per variant, default 0),
 * {@code hipt.bench.depth} (ViT-256 blocks, default 12; 1 leaves mostly the stem and the CLS-only last block),
 * {@code hipt.bench.device} (auto|cpu|gpu), {@code hipt.bench.gemm-n} (side of the GEMM probes, default 2048),
 * {@code hipt.bench.clock} (wall, or cpu: the calling thread's CPU time, robust to other load at one intra-op thread), {@code hipt.bench.profile} (true: time each operation of one eager
 * block) and DJL's {@code ai.djl.pytorch.num_threads}.
 *
 * <p>Rounds are interleaved: each round times one batch of every variant, each between two GEMM measurements of
 * that variant's precision (float32: DJL's {@code matMul}; bfloat16 and float16: inside a TorchScript module, since
 * DJL's NDArrays cannot hold bfloat16), so on a shared machine both rates of an efficiency figure come from the same
 * few seconds. Medians over the rounds are reported.
 */
public final class ModelBenchmark {

    /** FLOPs of one 256 x 256 patch through ViT-256 (HIPT-SPEC.md, "Cost"). */
    static final double PATCH_FLOP = 12.3e9;
    private static final int GEMM_N = Integer.getInteger("hipt.bench.gemm-n", 2048);
    /** {@code hipt.bench.clock=cpu}: time by this thread's CPU time (meaningful at one intra-op thread). */
    private static final boolean CPU_CLOCK = "cpu".equals(System.getProperty("hipt.bench.clock", "wall"));
    private static final java.lang.management.ThreadMXBean THREADS =
            java.lang.management.ManagementFactory.getThreadMXBean();
    private static final int GEMM_REPS = 4;
    private static final String ALL = "eager-fp32,compiled-fp32,compiled-bf16,compiled-fp16,compiled-fp32-unfused,"
            + "compiled-bf16-unfused";

    private ModelBenchmark() {
    }

    /** One way of running ViT-256 and the precision of the GEMM it is held against. */
    record Variant(String name, RegionEncoder encoder, Precision precision, double[] rate, double[] gemm) {
    }

    public static void main(String[] args) throws IOException, MalformedModelException {
        int batch = Integer.getInteger("hipt.bench.batch", ModelOptions.DEFAULT_BATCH);
        int rounds = Integer.getInteger("hipt.bench.rounds", 3);
        int regions = Integer.getInteger("hipt.bench.regions", 0);
        DevicePreference device = ModelOptions.parseDevice(System.getProperty("hipt.bench.device"));
        printMachine();
        String gemmOnly = System.getProperty("hipt.bench.gemm-only");
        if (gemmOnly != null) {
            gemmRates(gemmOnly, device);
            return;
        }
        List<Variant> variants = new ArrayList<>();
        Map<Precision, Gemm> gemms = new EnumMap<>(Precision.class);
        try (NDManager m = NDManager.newBaseManager(Devices.select(device), Devices.ENGINE)) {
            for (String name : System.getProperty("hipt.bench.variants", ALL).split(",")) {
                variants.add(variant(name.trim(), device, batch, rounds));
            }
            System.out.printf("engine: DJL PyTorch %s on %s, intra-op threads %d, inter-op threads %d, "
                            + "OMP_WAIT_POLICY=%s%n", Engine.getEngine("PyTorch").getVersion(),
                    variants.get(0).encoder().device(), JniUtils.getNumThreads(), JniUtils.getNumInteropThreads(),
                    System.getenv("OMP_WAIT_POLICY"));
            for (Variant v : variants) {
                gemms.computeIfAbsent(v.precision(), p -> Gemm.of(p, m));
            }
            for (Gemm g : gemms.values()) {
                System.out.printf("GEMM %d^3 %s: %.1f GFLOP/s (best of 3%s)%n", GEMM_N, g.label(), g.rate(3) / 1e9,
                        CPU_CLOCK ? ", thread CPU time" : "");
            }
            NDArray images = randomImages(m, batch);
            for (Variant v : variants) {
                v.encoder().vit256Cls(images); // the profiling executor specialises on the first runs
                v.encoder().vit256Cls(images);
            }
            for (int r = 0; r < rounds; r++) {
                for (Variant v : variants) {
                    Gemm g = gemms.get(v.precision());
                    double before = g.rate(2);
                    long t0 = now();
                    v.encoder().vit256Cls(images);
                    double s = (now() - t0) / 1e9;
                    v.gemm()[r] = Math.max(before, g.rate(2));
                    v.rate()[r] = batch / s;
                    System.out.printf("round %d %-22s %6.2f patches/s; %s GEMM %7.1f GFLOP/s; efficiency %.2f%n", r + 1,
                            v.name(), v.rate()[r], g.label(), v.gemm()[r] / 1e9,
                            v.rate()[r] * PATCH_FLOP / v.gemm()[r]);
                }
            }
            System.out.printf("%nViT-256 (12 blocks, batch %d, %d rounds, medians%s):%n", batch, rounds,
                    CPU_CLOCK ? "; rates per CPU-second of the calling thread" : "");
            System.out.printf("| variant | patches/s | s per 4096 region (256 patches) | GEMM of its precision GFLOP/s "
                    + "| efficiency (patches/s x 12.3e9 / GEMM) |%n|---|---|---|---|---|%n");
            for (Variant v : variants) {
                double rate = median(v.rate());
                double g = median(v.gemm());
                System.out.printf("| %s | %.1f | %.1f | %.0f (%s) | %.2f |%n", v.name(), rate, 256 / rate, g / 1e9,
                        gemms.get(v.precision()).label(), rate * PATCH_FLOP / g);
            }
            if (regions > 0) {
                for (Variant v : variants) {
                    System.out.printf("%-22s ", v.name());
                    regionSeconds(v.encoder(), regions);
                }
            }
            if (Boolean.getBoolean("hipt.bench.profile")) {
                blockProfile(m, RegionEncoder.CPU_MICRO_BATCH);
            }
        } finally {
            variants.forEach(v -> v.encoder().close());
            gemms.values().forEach(Gemm::close);
        }
        System.out.printf("load average at end: %s%n", loadAverage());
    }

    /**
     * {@code hipt.bench.gemm-only=fp32,bf16,fp16}: only the GEMM probes of these precisions, best of 3 each, and
     * each one's rate against fp32's (how much slower an emulated bf16/fp16 is than fp32 on this CPU).
     */
    private static void gemmRates(String precisions, DevicePreference device) {
        try (NDManager m = NDManager.newBaseManager(Devices.select(device), Devices.ENGINE)) {
            System.out.printf("engine: DJL PyTorch %s, intra-op threads %d%n", Engine.getEngine("PyTorch").getVersion(),
                    JniUtils.getNumThreads());
            double fp32 = Double.NaN;
            for (String name : precisions.split(",")) {
                try (Gemm g = Gemm.of(Precision.parse(name), m)) {
                    g.rate(1);
                    double rate = g.rate(3);
                    if (g.precision == Precision.FP32) {
                        fp32 = rate;
                    }
                    System.out.printf("GEMM %d^3 %s: %.2f GFLOP/s (best of 3%s); fp32 / this = %.1f%n", GEMM_N,
                            g.label(), rate / 1e9, CPU_CLOCK ? ", thread CPU time" : "", fp32 / rate);
                }
            }
        }
        System.out.printf("load average at end: %s%n", loadAverage());
    }

    /** Nanoseconds of the wall clock, or of this thread's CPU time with {@code hipt.bench.clock=cpu}. */
    private static long now() {
        return CPU_CLOCK ? THREADS.getCurrentThreadCpuTime() : System.nanoTime();
    }

    /** Prints the CPU model, its logical CPUs, the load average and the CPU flags that decide the precision. */
    public static void printMachine() throws IOException {
        System.out.printf("machine: %s, %d logical CPUs; load average at start: %s%n", cpuModel(),
                Runtime.getRuntime().availableProcessors(), loadAverage());
        Set<String> flags = Precision.cpuFlags();
        System.out.printf("CPU flags: %s; hipt.model.precision=auto picks %s here%n",
                flags.stream().filter(f -> f.startsWith("amx") || f.startsWith("avx512_bf16")
                        || f.startsWith("avx512_fp16") || f.equals("avx512f")).toList(),
                Precision.cpuHasBf16(flags) ? "bf16" : "fp32");
    }

    private static Variant variant(String name, DevicePreference device, int batch, int rounds) {
        boolean compiled = name.startsWith("compiled-");
        String[] parts = name.replace("compiled-", "").replace("eager-", "").split("-");
        Precision precision = Precision.parse(parts[0]);
        Set<String> off = Set.of(parts);
        boolean splitCls = Fusions.ALL.splitCls() ? !off.contains("jointcls") : off.contains("splitcls");
        Fusions fusions = new Fusions(!off.contains("unfused"), !off.contains("noonednn"), !off.contains("nogelu"),
                !off.contains("convstem"), splitCls);
        ModelOptions options = new ModelOptions(device, batch, compiled, precision);
        RegionEncoder encoder = RegionEncoder.random(7, Integer.getInteger("hipt.bench.depth", 12), 6, options, fusions);
        return new Variant(name, encoder, encoder.precision(), new double[rounds], new double[rounds]);
    }

    /**
     * A square GEMM in one precision: DJL's float32 {@code matMul}, or a TorchScript module for bf16 / fp16; the
     * engine's own limit that benchmarks hold their FLOP rates against.
     */
    public static final class Gemm implements AutoCloseable {
        private final Precision precision;
        private final NDArray a;
        private final NDArray b;
        private final Model module;

        private Gemm(Precision precision, NDArray a, NDArray b, Model module) {
            this.precision = precision;
            this.a = a;
            this.b = b;
            this.module = module;
        }

        /** Square {@code 2048 x 2048} operands on {@code m}'s device. */
        public static Gemm of(Precision precision, NDManager m) {
            NDArray a = m.randomUniform(-1, 1, new Shape(GEMM_N, GEMM_N));
            NDArray b = m.randomUniform(-1, 1, new Shape(GEMM_N, GEMM_N));
            if (precision == Precision.FP32) {
                return new Gemm(precision, a, b, null);
            }
            try {
                Path dir = Files.createTempDirectory("hipt-gemm");
                byte[] source;
                try (var in = ModelBenchmark.class.getResourceAsStream("gemm.torchscript.py")) {
                    source = in.readAllBytes();
                }
                TorchScriptArchive.writeModule(dir.resolve("gemm.pt"), "HiptGemm", source,
                        Map.of("dtype", precision.torchScalarType(), "reps", GEMM_REPS));
                Model model = Model.newInstance("gemm", m.getDevice(), Devices.ENGINE);
                model.load(dir, "gemm");
                Files.delete(dir.resolve("gemm.pt"));
                Files.delete(dir);
                return new Gemm(precision, a, b, model);
            } catch (IOException | MalformedModelException e) {
                throw new IllegalStateException(e);
            }
        }

        public String label() {
            return precision == Precision.FP32 ? "fp32 (DJL matMul)" : precision.label() + " (in TorchScript)";
        }

        /** Best of {@code reps} measurements, FLOP/s. */
        public double rate(int reps) {
            double best = 0;
            for (int rep = 0; rep < reps; rep++) {
                long t0 = now();
                int products;
                if (module == null) {
                    try (NDArray c = a.matMul(b)) {
                        c.getFloat(0, 0);
                    }
                    products = 1;
                } else {
                    NDList out = module.getBlock().forward(new ParameterStore(a.getManager(), false),
                            new NDList(a, b), false);
                    out.get(0).getFloat(0, 0);
                    out.close();
                    products = GEMM_REPS;
                }
                best = Math.max(best, products * 2.0 * GEMM_N * GEMM_N * GEMM_N / ((now() - t0) / 1e9));
            }
            return best;
        }

        @Override
        public void close() {
            a.close();
            b.close();
            if (module != null) {
                module.close();
            }
        }
    }

    private static NDArray randomImages(NDManager m, int batch) {
        Random random = new Random(1);
        float[] images = new float[batch * 3 * 256 * 256];
        for (int i = 0; i < images.length; i++) {
            images[i] = random.nextFloat() * 2 - 1;
        }
        return m.create(images, new Shape(batch, 3, 256, 256));
    }

    /** Whole path: 4096 x 4096 region (preprocessed), ViT-256 over its 256 patches, then ViT-4K with attention. */
    static void regionSeconds(RegionEncoder encoder, int regions) {
        Random random = new Random(2);
        byte[] rgb = new byte[4096 * 4096 * 3];
        random.nextBytes(rgb);
        long p0 = System.nanoTime();
        float[] chw = RegionEncoder.preprocess(rgb, 4096, 4096);
        double preprocess = (System.nanoTime() - p0) / 1e9;
        List<Double> times = new ArrayList<>();
        for (int i = 0; i < regions; i++) {
            long t0 = System.nanoTime();
            encoder.encodePreprocessed(List.of(chw), 4096, true);
            times.add((System.nanoTime() - t0) / 1e9);
        }
        System.out.printf("full encoder: %s s per 4096 region (ViT-256 + ViT-4K + attention); preprocess %.2f s%n",
                times.stream().map(t -> String.format("%.1f", t)).toList(), preprocess);
    }

    /** Each operation of one ViT-256 block at the CPU micro-batch, best of 5, to show where the time goes. */
    static void blockProfile(NDManager m, int b) {
        int n = 257;
        int c = 384;
        NDArray x = m.randomUniform(-1, 1, new Shape(b, n, c));
        NDArray wqkv = m.randomUniform(-0.05f, 0.05f, new Shape(3 * c, c));
        NDArray bqkv = m.zeros(new Shape(3 * c));
        NDArray w1 = m.randomUniform(-0.05f, 0.05f, new Shape(4 * c, c));
        NDArray b1 = m.zeros(new Shape(4 * c));
        NDArray w2 = m.randomUniform(-0.05f, 0.05f, new Shape(c, 4 * c));
        NDArray wp = m.randomUniform(-0.05f, 0.05f, new Shape(c, c));
        NDArray bc = m.zeros(new Shape(c));
        NDArray ones = m.ones(new Shape(c));
        NDArray qkv = Ops.linear(x, wqkv, bqkv).reshape(b, n, 3, 6, 64).transpose(2, 0, 3, 1, 4);
        NDArray q = qkv.get(0).mul(0.125f);
        NDArray k = qkv.get(1);
        NDArray v = qkv.get(2);
        NDArray scores = q.matMul(k.transpose(0, 1, 3, 2));
        NDArray attn = scores.softmax(-1);
        NDArray merged = attn.matMul(v).transpose(0, 2, 1, 3).reshape(b, n, c);
        NDArray hidden = Ops.linear(x, w1, b1);
        double attnFlop = 2.0 * b * 6 * n * n * 64;
        System.out.printf("one block, %d patches (%.2f GFLOP):%n", b, b * 1.01);
        double total = 0;
        total += op("2 x LayerNorm", 0, 2, () -> x.getNDArrayInternal().layerNorm(x, new Shape(c), ones, bc, 1e-6f)
                .singletonOrThrow());
        total += op("qkv Linear", 2.0 * b * n * c * 3 * c, 1, () -> Ops.linear(x, wqkv, bqkv));
        total += op("q * scale", 0, 1, () -> qkv.get(0).mul(0.125f));
        total += op("q @ k^T", attnFlop, 1, () -> q.matMul(k.transpose(0, 1, 3, 2)));
        total += op("softmax", 0, 1, () -> scores.softmax(-1));
        total += op("attn @ v", attnFlop, 1, () -> attn.matMul(v));
        NDArray heads = attn.matMul(v);
        total += op("merge heads", 0, 1, () -> heads.transpose(0, 2, 1, 3).reshape(b, n, c));
        total += op("proj Linear", 2.0 * b * n * c * c, 1, () -> Ops.linear(merged, wp, bc));
        total += op("fc1 Linear", 2.0 * b * n * c * 4 * c, 1, () -> Ops.linear(x, w1, b1));
        total += op("GELU (erf)", 0, 1, () -> Ops.gelu(hidden));
        total += op("fc2 Linear", 2.0 * b * n * c * 4 * c, 1, () -> Ops.linear(hidden, w2, bc));
        total += op("2 x residual add", 0, 2, () -> x.add(merged));
        System.out.printf("  block total %.1f ms = %.1f GFLOP/s%n", total * 1e3, b * 1.01e9 / total / 1e9);
        NDArray images = m.randomUniform(-1, 1, new Shape(b, 3, 256, 256));
        NDArray convW = m.randomUniform(-0.05f, 0.05f, new Shape(c, 3, 16, 16));
        op("patch embed Conv2d", 2.0 * b * 256 * 768 * c, 1, () -> images.getNDArrayInternal()
                .convolution(images, convW, bc, new Shape(16, 16), new Shape(0, 0), new Shape(1, 1), 1)
                .singletonOrThrow());
    }

    private static double op(String name, double flop, int times, java.util.function.Supplier<NDArray> f) {
        double best = Double.MAX_VALUE;
        for (int i = 0; i < 5; i++) {
            long t0 = System.nanoTime();
            f.get().close();
            best = Math.min(best, (System.nanoTime() - t0) / 1e9);
        }
        best *= times;
        System.out.printf("  %-18s %7.1f ms %s%n", name, best * 1e3,
                flop > 0 ? String.format("(%.0f GFLOP/s)", flop * times / best / 1e9) : "");
        return best;
    }

    public static double median(double[] values) {
        double[] v = values.clone();
        Arrays.sort(v);
        return v.length % 2 == 1 ? v[v.length / 2] : (v[v.length / 2 - 1] + v[v.length / 2]) / 2;
    }

    public static String cpuModel() throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/cpuinfo"))) {
            if (line.startsWith("model name")) {
                return line.substring(line.indexOf(':') + 1).trim();
            }
        }
        return System.getProperty("os.arch");
    }

    public static String loadAverage() {
        try {
            return Files.readString(Path.of("/proc/loadavg")).trim();
        } catch (IOException e) {
            return "unknown";
        }
    }
}
