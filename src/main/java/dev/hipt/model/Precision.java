package dev.hipt.model;

import ai.djl.Device;
import ai.djl.util.cuda.CudaUtils;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;

/**
 * The number format the compiled path's Linear layers and attention products run in ({@code hipt.model.precision}).
 * LayerNorm, softmax statistics, the residual stream and every output stay float32 whatever is chosen; no bfloat16
 * or float16 array ever reaches Java.
 */
public enum Precision {
    /** Pick for the device: {@link #resolve}. */
    AUTO("auto", -1),
    /** float32 everywhere: the reference. */
    FP32("fp32", 6),
    /** bfloat16 matrix products (AMX / AVX512-BF16 CPUs, GPUs of compute capability 8.0 and later). */
    BF16("bf16", 15),
    /** float16 matrix products (GPUs without bfloat16). */
    FP16("fp16", 5);

    private static final List<String> BF16_CPU_FLAGS = List.of("amx_bf16", "avx512_bf16");
    private static final List<String> FP16_CPU_FLAGS = List.of("amx_fp16", "avx512_fp16");
    /** Compiled ViT-256 in emulated bf16/fp16 against fp32, ModelBenchmark on AMD EPYC Zen 3 (docs/performance.md). */
    private static final String EMULATION_SLOWDOWN = "about 6x";

    private final String label;
    private final int torchScalarType;

    Precision(String label, int torchScalarType) {
        this.label = label;
        this.torchScalarType = torchScalarType;
    }

    /** {@code auto}, {@code fp32}, {@code bf16} or {@code fp16}, as configured and as recorded in provenance. */
    public String label() {
        return label;
    }

    /** PyTorch's ScalarType number (6 float32, 15 bfloat16, 5 float16), as TorchScript code writes dtypes. */
    int torchScalarType() {
        if (this == AUTO) {
            throw new IllegalStateException("resolve AUTO first");
        }
        return torchScalarType;
    }

    /** The precision from {@code hipt.model.precision} text: {@code auto} (also blank), {@code fp32}, {@code bf16}, {@code fp16}. */
    public static Precision parse(String text) {
        if (text == null || text.isBlank()) {
            return AUTO;
        }
        String t = text.trim().toLowerCase(Locale.ROOT);
        for (Precision p : values()) {
            if (p.label.equals(t)) {
                return p;
            }
        }
        throw new IllegalArgumentException("hipt.model.precision must be auto, fp32, bf16 or fp16, got '" + text + "'");
    }

    /**
     * What {@code AUTO} means on {@code device}: bf16 on CPUs with AMX or AVX512-BF16 and on GPUs of compute
     * capability 8.0 or later, fp16 on older GPUs, else fp32. Any other precision is itself.
     */
    Precision resolve(Device device) {
        if (this != AUTO) {
            return this;
        }
        if (device.isGpu()) {
            return gpuHasBf16(device.getDeviceId()) ? BF16 : FP16;
        }
        return cpuHasBf16(cpuFlags()) ? BF16 : FP32;
    }

    /** Whether these CPU flags include a bfloat16 matrix unit ({@code amx_bf16}) or instruction set ({@code avx512_bf16}). */
    public static boolean cpuHasBf16(Set<String> flags) {
        return BF16_CPU_FLAGS.stream().anyMatch(flags::contains);
    }

    /**
     * Whether a CPU with these flags runs this precision's matrix products in hardware: float32 always, bfloat16
     * with {@code amx_bf16} or {@code avx512_bf16}, float16 with {@code amx_fp16} or {@code avx512_fp16}. Elsewhere
     * libtorch emulates them, far slower than float32.
     */
    public boolean nativeOnCpu(Set<String> flags) {
        return switch (this) {
            case FP32 -> true;
            case BF16 -> BF16_CPU_FLAGS.stream().anyMatch(flags::contains);
            case FP16 -> FP16_CPU_FLAGS.stream().anyMatch(flags::contains);
            case AUTO -> throw new IllegalStateException("resolve AUTO first");
        };
    }

    /**
     * The start-up warning when {@code configured} (bf16 or fp16, not {@code auto}, which never picks an emulated
     * precision) is forced on a CPU with these flags that lacks its instructions; empty where it runs natively.
     */
    public static java.util.Optional<String> cpuEmulationWarning(Precision configured, Set<String> flags) {
        if (configured == AUTO || configured.nativeOnCpu(flags)) {
            return java.util.Optional.empty();
        }
        List<String> needed = configured == BF16 ? BF16_CPU_FLAGS : FP16_CPU_FLAGS;
        return java.util.Optional.of(String.format(Locale.ROOT, "hipt.model.precision=%s is forced on a CPU without "
                + "%s: libtorch emulates its matrix products, and the compiled ViT-256 ran %s slower than fp32 "
                + "on an AVX2 CPU (docs/performance.md); set hipt.model.precision=auto or fp32 here", configured.label,
                String.join(" or ", needed), EMULATION_SLOWDOWN));
    }

    /** The CPU's feature flags from {@code /proc/cpuinfo} (Linux); empty where it cannot be read. */
    public static Set<String> cpuFlags() {
        Path cpuinfo = Path.of("/proc/cpuinfo");
        try (Stream<String> lines = Files.lines(cpuinfo)) {
            return lines.filter(l -> l.startsWith("flags"))
                    .findFirst()
                    .map(l -> new TreeSet<>(Arrays.asList(l.substring(l.indexOf(':') + 1).trim().split("\\s+"))))
                    .map(s -> (Set<String>) s)
                    .orElse(Set.of());
        } catch (IOException | RuntimeException e) {
            return Set.of();
        }
    }

    static boolean gpuHasBf16(int deviceId) {
        try {
            String capability = CudaUtils.getComputeCapability(deviceId);
            return Integer.parseInt(capability.replace(".", "")) >= 80;
        } catch (RuntimeException | LinkageError e) {
            return false;
        }
    }
}
