package dev.hipt.model;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/**
 * The compiled TorchScript path in float32 meets the same contract as the eager path: every output of the reference
 * fixtures' manifest (ViT-256 CLS and attention, ViT-4K CLS and attention, the heads over them) within
 * max|diff| <= 1e-4 and cosine >= 0.99999 of the official HIPT code.
 */
class CompiledReferenceConformanceTests extends ReferenceConformanceTests {

    @Override
    ModelOptions encoderOptions() {
        return new ModelOptions(DevicePreference.CPU, 64, true, Precision.FP32);
    }

    @Test
    void runsTheCompiledPathInFloat32() {
        RegionEncoder encoder = encoder();
        org.junit.jupiter.api.Assumptions.assumeTrue(encoder != null, "reference fixtures absent: skipping");
        assertThat(encoder.compiled()).isTrue();
        assertThat(encoder.precision()).isEqualTo(Precision.FP32);
    }
}
