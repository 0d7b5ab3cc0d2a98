package dev.hipt.training.pretraining;

import dev.hipt.model.DevicePreference;
import dev.hipt.model.ModelOptions;
import dev.hipt.training.dino.MultiCropSample;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class DinoSetupTests {

    static PretrainingSettings tiny(int iterations) {
        return new PretrainingSettings(1, List.of(), iterations, 2, 16, 1, 32, 16, 1, null, 2, 3, 0.25, "hipt",
                null);
    }

    @Test
    void stepsOnAWorkerThreadThatIsNotTheOneThatStartedTheEngine() throws Exception {
        ExecutorService worker = Executors.newSingleThreadExecutor();
        try (Trainer trainer = DinoSetup.create(tiny(2), 1, 3, new ModelOptions(DevicePreference.CPU, 4))) {
            List<MultiCropSample> batch = batch();
            // a fresh thread has PyTorch's default grad mode (on), where an in-place optimizer update fails
            float loss = CompletableFuture.supplyAsync(() -> trainer.step(batch), worker).get(120, TimeUnit.SECONDS);

            assertThat(loss).isPositive();
            assertThat(trainer.iteration()).isEqualTo(1);
        } finally {
            worker.shutdownNow();
        }
    }

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

    private static List<MultiCropSample> batch() {
        ImageAugmentation augmentation = new ImageAugmentation(tiny(1).multiCrop(), ImageAugmentation.HIPT_MEAN,
                ImageAugmentation.HIPT_STD);
        List<MultiCropSample> batch = new ArrayList<>();
        for (int i = 0; i < 2; i++) {
            batch.add(augmentation.views(ImageAugmentationTests.patch(i), new SplittableRandom(i)));
        }
        return batch;
    }
}
