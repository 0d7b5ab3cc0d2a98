package dev.hipt.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.Device;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** {@code hipt.model.precision}: parsing, what {@code auto} picks, and the bfloat16 / float16 rounding of weights. */
class PrecisionTests {

    @Test
    void autoPicksBf16OnlyWithAmxOrAvx512Bf16() {
        assertThat(Precision.cpuHasBf16(Set.of("avx512f", "amx_tile", "amx_bf16"))).isTrue();
        assertThat(Precision.cpuHasBf16(Set.of("avx512f", "avx512_bf16"))).isTrue();
        assertThat(Precision.cpuHasBf16(Set.of("avx2", "avx512f", "avx512_vnni"))).isFalse();
        assertThat(Precision.cpuHasBf16(Set.of())).isFalse();
    }

    @Test
    void autoOnThisCpuFollowsItsFlags() {
        Precision expected = Precision.cpuHasBf16(Precision.cpuFlags()) ? Precision.BF16 : Precision.FP32;
        assertThat(Precision.AUTO.resolve(Device.cpu())).isEqualTo(expected);
        assertThat(Precision.FP32.resolve(Device.cpu())).isEqualTo(Precision.FP32);
        assertThat(Precision.FP16.resolve(Device.cpu())).isEqualTo(Precision.FP16);
    }

    @Test
    void bf16AndFp16AreNativeOnlyWithTheirInstructions() {
        Set<String> zen3 = Set.of("avx", "avx2", "fma", "f16c");
        Set<String> sapphireRapids = Set.of("avx512f", "avx512bw", "avx512_bf16", "avx512_fp16", "amx_bf16");
        assertThat(Precision.FP32.nativeOnCpu(zen3)).isTrue();
        assertThat(Precision.BF16.nativeOnCpu(zen3)).isFalse();
        assertThat(Precision.FP16.nativeOnCpu(zen3)).as("f16c converts, it does not multiply").isFalse();
        assertThat(Precision.BF16.nativeOnCpu(Set.of("avx512f", "avx512_bf16"))).isTrue();
        assertThat(Precision.BF16.nativeOnCpu(Set.of("amx_bf16"))).isTrue();
        assertThat(Precision.FP16.nativeOnCpu(Set.of("amx_bf16", "avx512_bf16"))).isFalse();
        assertThat(Precision.FP16.nativeOnCpu(sapphireRapids)).isTrue();
        assertThat(Precision.FP16.nativeOnCpu(Set.of("amx_fp16"))).isTrue();
    }

    @Test
    void warnsWhenBf16OrFp16IsForcedOnACpuThatEmulatesIt() {
        Set<String> zen3 = Set.of("avx", "avx2", "fma");
        assertThat(Precision.cpuEmulationWarning(Precision.BF16, zen3)).hasValueSatisfying(w -> assertThat(w)
                .contains("hipt.model.precision=bf16", "avx512_bf16", "amx_bf16", "slower than fp32"));
        assertThat(Precision.cpuEmulationWarning(Precision.FP16, zen3)).hasValueSatisfying(w -> assertThat(w)
                .contains("hipt.model.precision=fp16", "avx512_fp16", "amx_fp16"));
        assertThat(Precision.cpuEmulationWarning(Precision.FP16, Set.of("avx512_bf16")))
                .as("bf16 instructions do not make fp16 native").isPresent();
        assertThat(Precision.cpuEmulationWarning(Precision.BF16, Set.of("amx_bf16"))).isEmpty();
        assertThat(Precision.cpuEmulationWarning(Precision.FP32, zen3)).isEmpty();
        assertThat(Precision.cpuEmulationWarning(Precision.AUTO, zen3)).as("auto never picks emulation").isEmpty();
    }

    @Test
    void parsesTheConfiguredText() {
        assertThat(Precision.parse(" BF16 ")).isEqualTo(Precision.BF16);
        assertThat(Precision.parse("fp32")).isEqualTo(Precision.FP32);
        assertThat(Precision.parse(null)).isEqualTo(Precision.AUTO);
        assertThatThrownBy(() -> Precision.parse("int8")).hasMessageContaining("auto, fp32, bf16 or fp16");
    }

    @Test
    void theEagerPathTakesOnlyFp32() {
        assertThatThrownBy(() -> new ModelOptions(DevicePreference.CPU, 8, false, Precision.BF16))
                .hasMessageContaining("compiled");
        assertThat(new ModelOptions(DevicePreference.CPU, 8).precision()).isEqualTo(Precision.FP32);
    }

    @Test
    void bfloat16RoundsToNearestEven() {
        assertThat(TorchScriptArchive.toBfloat16(1.0f)).isEqualTo((short) 0x3F80);
        // 1 + 2^-8 lies halfway between 1 and 1 + 2^-7: ties go to the even mantissa, 1
        assertThat(TorchScriptArchive.toBfloat16(1.00390625f)).isEqualTo((short) 0x3F80);
        // 1 + 3 * 2^-8 is halfway between 1 + 2^-7 (odd) and 1 + 2^-6: up to the even one
        assertThat(TorchScriptArchive.toBfloat16(1.01171875f)).isEqualTo((short) 0x3F82);
        assertThat(TorchScriptArchive.toBfloat16(-2.5f)).isEqualTo((short) 0xC020);
        assertThat(Float.isNaN(Float.intBitsToFloat(TorchScriptArchive.toBfloat16(Float.NaN) << 16))).isTrue();
    }

    @Test
    void float16RoundsToNearestEvenWithSubnormalsAndOverflow() {
        assertThat(TorchScriptArchive.toFloat16(1.0f)).isEqualTo((short) 0x3C00);
        assertThat(TorchScriptArchive.toFloat16(-2.0f)).isEqualTo((short) 0xC000);
        assertThat(TorchScriptArchive.toFloat16(65504f)).isEqualTo((short) 0x7BFF);
        assertThat(TorchScriptArchive.toFloat16(1e6f)).isEqualTo((short) 0x7C00);
        assertThat(TorchScriptArchive.toFloat16(5.9604645e-8f)).as("smallest subnormal").isEqualTo((short) 0x0001);
        assertThat(TorchScriptArchive.toFloat16(1e-9f)).isEqualTo((short) 0);
        // 1 + 2^-11 is halfway between 1 and 1 + 2^-10: to the even one, 1
        assertThat(TorchScriptArchive.toFloat16(1.00048828125f)).isEqualTo((short) 0x3C00);
        assertThat(TorchScriptArchive.toFloat16(0.1f)).isEqualTo((short) 0x2E66);
    }
}
