package dev.hipt.wsi;

import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.lang.management.ThreadMXBean;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.DoubleAdder;

/**
 * Whole-slide read benchmark (not a test): detects tissue, plans the 4096 region grid, then reads every region
 * (OpenSlide read and JPEG decode, resample to 0.5 um/px, normalise to float CHW {@code x / 127.5 - 1}) with one
 * thread and with N threads, and prints regions/s for each and the peak heap used. Run it in a JVM limited to 1 GB
 * to show that memory follows the region, not the slide:
 *
 * <pre>
 * /work/shared/tools/make-test-slide.sh /tmp/big.tiff 100000 80000
 * ./mvnw -q test-compile org.codehaus.mojo:exec-maven-plugin:3.6.4:exec -Dexec.executable=java \
 *   -Dexec.classpathScope=test -Dexec.args="-Xmx1g -classpath %classpath dev.hipt.wsi.ReadBenchmark /tmp/big.tiff"
 * </pre>
 *
 * (The plugin is named in full: the Spring Boot parent does not manage its version.) Figures and the machine they
 * came from are in {@code docs/performance.md}, "Whole-slide reading".
 *
 * Arguments: {@code SLIDE [THREADS (default: cores)] [MAX_REGIONS (default: all)] [MPP override]}.
 */
public final class ReadBenchmark {

    private ReadBenchmark() {
    }

    public static void main(String[] args) throws Exception {
        if (args.length < 1) {
            System.err.println("usage: ReadBenchmark SLIDE [THREADS] [MAX_REGIONS] [MPP]");
            System.exit(2);
        }
        Path file = Path.of(args[0]);
        int cores = Runtime.getRuntime().availableProcessors();
        int threads = args.length > 1 ? Integer.parseInt(args[1]) : cores;
        int maxRegions = args.length > 2 ? Integer.parseInt(args[2]) : Integer.MAX_VALUE;
        Double mppOverride = args.length > 3 ? Double.valueOf(args[3]) : null;
        HeapSampler heap = HeapSampler.start();
        long maxHeap = Runtime.getRuntime().maxMemory();
        System.out.printf(Locale.ROOT, "java %s, %d cores, max heap %d MiB, load average %.2f%n",
                System.getProperty("java.version"), cores, maxHeap >> 20,
                ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage());

        try (WholeSlideImage slide = WholeSlideImages.open(file)) {
            SlideMetadata md = slide.metadata();
            Mpp mpp = MppResolver.resolve(md, mppOverride);
            RegionReader reader = new RegionReader();
            long side = reader.level0Footprint(mpp);
            System.out.printf(Locale.ROOT, "slide %s: %d x %d level 0, %d levels, %.3f um/px, region side %d%n",
                    file.getFileName(), md.width(), md.height(), md.levels().size(), mpp.mean(), side);

            long t0 = System.nanoTime();
            TissueMask mask = new TissueDetector().detect(slide);
            List<Region> regions = RegionGrid.plan(md, mask, side);
            long t1 = System.nanoTime();
            long gridCount = ((md.width() + side - 1) / side) * ((md.height() + side - 1) / side);
            System.out.printf(Locale.ROOT, "tissue + grid: %.2f s, mask %d x %d at %.1fx, tissue %.1f %%, "
                            + "%d of %d regions kept%n", (t1 - t0) / 1e9, mask.width(), mask.height(),
                    mask.downsample(), 100 * mask.tissueFraction(), regions.size(), gridCount);
            List<Region> todo = regions.subList(0, Math.min(maxRegions, regions.size()));

            // a 4096 region is 48 MiB of RGB and 192 MiB of float; keep what the threads hold under the heap
            int size = reader.options().regionSize();
            long perThread = (long) size * size * 3 * (1 + Float.BYTES) + (32L << 20);
            int fit = (int) Math.max(1, (maxHeap - (160L << 20)) / perThread);
            int n = Math.min(threads, fit);
            if (n < threads) {
                System.out.printf("N threads capped at %d: %d threads x %d MiB would not fit the heap%n", n, threads,
                        perThread >> 20);
            }

            Result one = run(slide, reader, mpp, todo, 1);
            System.out.printf(Locale.ROOT, "1 thread : %d regions in %.1f s = %.2f regions/s (checksum %.3f)%n",
                    one.regions(), one.seconds(), one.regions() / one.seconds(), one.checksum());
            System.out.println("           " + one.cpu());
            Result many = run(slide, reader, mpp, todo, n);
            System.out.printf(Locale.ROOT, "%d threads: %d regions in %.1f s = %.2f regions/s (checksum %.3f), "
                            + "speed-up %.2f%n", n, many.regions(), many.seconds(), many.regions() / many.seconds(),
                    many.checksum(), one.seconds() / many.seconds());
            System.out.println("           " + many.cpu());
        }
        heap.stop();
        System.out.printf(Locale.ROOT, "peak heap used: %d MiB (sampled, garbage included), %d MiB live after GC "
                + "(largest old-generation size a collection left), max heap %d MiB%n", heap.peak() >> 20,
                heap.peakLive() >> 20, maxHeap >> 20);
        System.out.printf(Locale.ROOT, "completed without OutOfMemoryError; load average now %.2f%n",
                ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage());
    }

    /** Wall time, and CPU time of the reading threads split into read (+ decode + resample) and normalise. */
    record Result(int regions, double seconds, double checksum, double readCpu, double normaliseCpu) {

        String cpu() {
            return String.format(Locale.ROOT, "CPU per region: read %.2f s + normalise %.2f s -> %.2f regions/s per "
                    + "busy core; %.2f cores busy on average", readCpu / regions, normaliseCpu / regions,
                    regions / (readCpu + normaliseCpu), (readCpu + normaliseCpu) / seconds);
        }
    }

    private static Result run(WholeSlideImage slide, RegionReader reader, Mpp mpp, List<Region> regions, int threads)
            throws Exception {
        int size = reader.options().regionSize();
        ThreadLocal<float[]> chw = ThreadLocal.withInitial(() -> new float[3 * size * size]);
        DoubleAdder checksum = new DoubleAdder();
        AtomicLong readNanos = new AtomicLong();
        AtomicLong normaliseNanos = new AtomicLong();
        ThreadMXBean cpu = ManagementFactory.getThreadMXBean();
        AtomicInteger next = new AtomicInteger();
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        long t0 = System.nanoTime();
        try {
            Future<?>[] workers = new Future<?>[threads];
            for (int t = 0; t < threads; t++) {
                workers[t] = pool.submit(() -> {
                    for (int i = next.getAndIncrement(); i < regions.size(); i = next.getAndIncrement()) {
                        Region r = regions.get(i);
                        long c0 = cpu.getCurrentThreadCpuTime();
                        RgbImage rgb = reader.read(slide, mpp, r.x(), r.y());
                        long c1 = cpu.getCurrentThreadCpuTime();
                        float[] out = chw.get();
                        normalise(rgb, out);
                        long c2 = cpu.getCurrentThreadCpuTime();
                        readNanos.addAndGet(c1 - c0);
                        normaliseNanos.addAndGet(c2 - c1);
                        checksum.add(out[0] + out[out.length / 2] + out[out.length - 1]);
                    }
                    return null;
                });
            }
            for (Future<?> worker : workers) {
                worker.get();
            }
        } finally {
            pool.shutdown();
        }
        return new Result(regions.size(), (System.nanoTime() - t0) / 1e9, checksum.sum(), readNanos.get() / 1e9,
                normaliseNanos.get() / 1e9);
    }

    /** Interleaved RGB bytes to planar CHW floats in [-1, 1], as the model takes them. */
    static void normalise(RgbImage rgb, float[] chw) {
        byte[] src = rgb.rgb();
        int plane = rgb.width() * rgb.height();
        for (int i = 0, p = 0; i < plane; i++, p += 3) {
            chw[i] = (src[p] & 0xff) / 127.5f - 1f;
            chw[plane + i] = (src[p + 1] & 0xff) / 127.5f - 1f;
            chw[2 * plane + i] = (src[p + 2] & 0xff) / 127.5f - 1f;
        }
    }

    /** Samples the heap in use every 20 ms on a daemon thread. */
    private static final class HeapSampler {
        private final AtomicLong peak = new AtomicLong();
        private final AtomicLong peakLive = new AtomicLong();
        private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread thread = new Thread(r, "heap-sampler");
            thread.setDaemon(true);
            return thread;
        });

        static HeapSampler start() {
            HeapSampler sampler = new HeapSampler();
            sampler.timer.scheduleAtFixedRate(sampler::sample, 0, 20, TimeUnit.MILLISECONDS);
            return sampler;
        }

        private void sample() {
            Runtime rt = Runtime.getRuntime();
            peak.accumulateAndGet(rt.totalMemory() - rt.freeMemory(), Math::max);
            long live = 0;
            for (MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans()) {
                if (pool.getType() == MemoryType.HEAP && pool.getCollectionUsage() != null) {
                    live += pool.getCollectionUsage().getUsed();
                }
            }
            peakLive.accumulateAndGet(live, Math::max);
        }

        long peakLive() {
            sample();
            return peakLive.get();
        }

        void stop() {
            timer.shutdownNow();
        }

        long peak() {
            sample();
            return peak.get();
        }
    }
}
