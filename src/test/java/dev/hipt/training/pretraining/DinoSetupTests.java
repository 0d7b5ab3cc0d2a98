package dev.hipt.training.pretraining;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class DinoSetupTests {

    @Test
    void mapsTheJobsSettingsAndOverridesOntoDinosHyperParameters() {
        PretrainingSettings settings = new PretrainingSettings(1, List.of(), 10, 8, 128, 3, 32, 16, 1, null, 2, 0,
                0.25, "hipt", new PretrainingRequest.DinoOverrides(1e-3, null, 0, null, null, 0.99, null, null, null,
                0.2, null, 0.0, 0, null));

        var hp = DinoSetup.hyperParameters(settings);

        assertThat(hp.outDim()).isEqualTo(128);
        assertThat(hp.batchSize()).isEqualTo(8);
        assertThat(hp.localCrops()).isEqualTo(3);
        assertThat(hp.lr()).isEqualTo(1e-3);
        assertThat(hp.warmupEpochs()).isZero();
        assertThat(hp.momentumTeacher()).isEqualTo(0.99);
        assertThat(hp.studentTemp()).isEqualTo(0.2);
        assertThat(hp.clipGrad()).isZero();
        assertThat(hp.freezeLastLayer()).isZero();
        // the rest are DINO's defaults
        assertThat(hp.teacherTemp()).isEqualTo(0.04);
        assertThat(hp.weightDecayEnd()).isEqualTo(0.4);
        assertThat(hp.dropPathRate()).isEqualTo(0.1);
    }

    @Test
    void anOutOfRangeOverrideIsRefusedNamingTheField() {
        PretrainingSettings settings = new PretrainingSettings(1, List.of(), 10, 8, 128, 3, 32, 16, 1, null, 2, 0,
                0.25, "hipt", new PretrainingRequest.DinoOverrides(null, null, null, null, null, 1.5, null, null,
                null, null, null, null, null, null));

        assertThatThrownBy(() -> DinoSetup.hyperParameters(settings))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("momentumTeacher");
    }
}
