package dev.hipt.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class BatchSizingTests {

    private static final long MIB = 1L << 20;
    private static final long GIB = 1L << 30;

    @Test
    void fillsWhatIsFreeAfterHeadroomAndWeights() {
        // 10 GiB free: 8 GiB usable, 1 GiB of weights, 7 GiB / 7 MiB = 1024 patches
        assertThat(BatchSizing.patchesThatFit(10 * GIB, GIB, 7 * MIB, 4096)).isEqualTo(1024);
    }

    @Test
    void neverExceedsTheConfiguredBatch() {
        assertThat(BatchSizing.patchesThatFit(139 * GIB, GIB, 7 * MIB, 64)).isEqualTo(64);
    }

    @Test
    void lowersTheBatchOnASmallDevice() {
        // 2 GiB free: 1.6 GiB usable, 0.5 GiB weights, 1.1 GiB / 7 MiB = 160 patches
        assertThat(BatchSizing.patchesThatFit(2 * GIB, GIB / 2, 7 * MIB, 512)).isEqualTo(160);
    }

    @Test
    void givesOnePatchWhenNothingFits() {
        assertThat(BatchSizing.patchesThatFit(GIB, 2 * GIB, 7 * MIB, 64)).isEqualTo(1);
        assertThat(BatchSizing.patchesThatFit(0, 0, 7 * MIB, 64)).isEqualTo(1);
    }

    @Test
    void refusesNonsense() {
        assertThatThrownBy(() -> BatchSizing.patchesThatFit(GIB, 0, 0, 64))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> BatchSizing.patchesThatFit(-1, 0, MIB, 64))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> BatchSizing.patchesThatFit(GIB, 0, MIB, 0))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void officialVit256NeedsAFewMebibytesPerPatchAndHalfPrecisionLess() {
        VisionTransformer vit256 = VisionTransformer.vit256(12);
        long fp32 = BatchSizing.vit256ActivationBytes(vit256, Precision.FP32);
        long bf16 = BatchSizing.vit256ActivationBytes(vit256, Precision.BF16);
        // input 768 KiB + residual 771 KiB + 2 x attention scores (6 x 257 x 257 x 4 bytes = 1.51 MiB)
        assertThat(fp32).isEqualTo(786_432 + 789_504 + 2 * 1_585_176);
        assertThat(bf16).isEqualTo(786_432 + 789_504 + 2 * 792_588);
    }

    @Test
    void halfPrecisionWeightsKeepTheirFloat32Masters() {
        assertThat(BatchSizing.modelBytes(1_000, Precision.FP32)).isEqualTo(4_000);
        assertThat(BatchSizing.modelBytes(1_000, Precision.BF16)).isEqualTo(6_000);
        assertThat(BatchSizing.modelBytes(1_000, Precision.FP16)).isEqualTo(6_000);
    }
}
