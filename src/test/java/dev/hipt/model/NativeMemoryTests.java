package dev.hipt.model;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.engine.Engine;
import ai.djl.pytorch.jni.JniUtils;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.condition.EnabledOnOs;
import org.junit.jupiter.api.condition.OS;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Encoding batch after batch does not grow native memory (resident set, from /proc/self/status) or the heap: every
 * call's arrays are freed when its NDManager closes, and input buffers are reused. Run on the eager path and on the
 * compiled TorchScript path in fp32 and bf16 (whose outputs DJL hands back into the call's manager), each over 400
 * consecutive small (256 x 256) regions: 4096 regions would take minutes per path on two cores.
 */
class NativeMemoryTests {

    private static final int SIDE = 256;
    private static final int REGIONS_PER_CALL = 8;
    private static final int WARM_UP_CALLS = 10;
    private static final int MEASURED_CALLS = 40;
    /** Allowed growth of the resident set after warm-up over 320 more regions (half of it over the last 160). */
    private static final long RSS_BOUND_BYTES = 48L << 20;
    /** Allowed growth of the used heap after a full GC. */
    private static final long HEAP_BOUND_BYTES = 16L << 20;

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"eager", "compiled-fp32", "compiled-bf16"})
    @EnabledOnOs(OS.LINUX)
    void encodingHundredsOfRegionsDoesNotGrowNativeOrHeapMemory(String path) throws IOException {
        ModelOptions options = path.equals("eager") ? new ModelOptions(DevicePreference.CPU, 3)
                : new ModelOptions(DevicePreference.CPU, 3, true, Precision.parse(path.substring("compiled-".length())));
        VisionTransformer v256 = TinyModels.vit256();
        VisionTransformer v4k = TinyModels.vit4k();
        Random random = new Random(1);
        List<float[]> regions = new ArrayList<>();
        for (int i = 0; i < REGIONS_PER_CALL; i++) {
            regions.add(TrainingTests.gaussian(random, 3 * SIDE * SIDE));
        }
        // Thousands of tiny operations: one libtorch thread keeps the run short and steady on a busy machine
        // (each parallel region of two threads waits for the slower one). Memory behaviour does not depend on it.
        Engine.getEngine("PyTorch");
        int threads = JniUtils.getNumThreads();
        JniUtils.setNumThreads(1);
        try (RegionEncoder encoder = RegionEncoder.of(v256, v256.randomStateDict(1), v4k, v4k.randomStateDict(2),
                options)) {
            assertThat(encoder.compiled()).isEqualTo(!path.equals("eager"));
            long t0 = System.nanoTime();
            for (int i = 0; i < WARM_UP_CALLS; i++) {
                encoder.encodePreprocessed(regions, SIDE, true);
            }
            long heapBefore = usedHeapAfterGc();
            long rssBefore = residentBytes();
            float checksum = 0;
            long rssHalfway = 0;
            for (int i = 0; i < MEASURED_CALLS; i++) {
                checksum += encoder.encodePreprocessed(regions, SIDE, i % 2 == 0).get(0).cls4k()[0];
                if (i == MEASURED_CALLS / 2 - 1) {
                    usedHeapAfterGc();
                    rssHalfway = residentBytes();
                }
            }
            long heapGrowth = usedHeapAfterGc() - heapBefore;
            long rssAfter = residentBytes();
            System.out.printf(path + ": %d calls in %.1f s; RSS %.1f -> %.1f -> %.1f MiB over %d regions, heap growth %.1f MiB "
                            + "(checksum %f)%n", WARM_UP_CALLS + MEASURED_CALLS, (System.nanoTime() - t0) / 1e9,
                    rssBefore / 1048576.0, rssHalfway / 1048576.0, rssAfter / 1048576.0,
                    MEASURED_CALLS * REGIONS_PER_CALL, heapGrowth / 1048576.0, checksum);
            assertThat(rssAfter - rssBefore).as("resident set growth over all measured calls").isLessThan(RSS_BOUND_BYTES);
            assertThat(rssAfter - rssHalfway).as("resident set growth over the second half")
                    .isLessThan(RSS_BOUND_BYTES / 2);
            assertThat(heapGrowth).as("used heap growth in bytes").isLessThan(HEAP_BOUND_BYTES);
        } finally {
            JniUtils.setNumThreads(threads);
        }
    }

    static long residentBytes() throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
            if (line.startsWith("VmRSS:")) {
                return Long.parseLong(line.replaceAll("\\D+", "")) * 1024;
            }
        }
        throw new IllegalStateException("no VmRSS in /proc/self/status");
    }

    static long usedHeapAfterGc() {
        MemoryMXBean memory = ManagementFactory.getMemoryMXBean();
        for (int i = 0; i < 3; i++) {
            System.gc();
        }
        return memory.getHeapMemoryUsage().getUsed();
    }
}
