package dev.hipt.training.dino;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;

/** DINO's cosine_scheduler, checked against values worked out by hand. */
class CosineScheduleTests {

    @Test
    void warmsUpLinearlyWithBothEndsThenDecaysOnAHalfCosine() {
        CosineSchedule s = new CosineSchedule(1.0, 0.2, 10, 3, 0.1);
        // np.linspace(0.1, 1.0, 3) = [0.1, 0.55, 1.0]
        assertThat(s.at(0)).isCloseTo(0.1, within(1e-12));
        assertThat(s.at(1)).isCloseTo(0.55, within(1e-12));
        assertThat(s.at(2)).isCloseTo(1.0, within(1e-12));
        // then 0.2 + 0.4 * (1 + cos(pi * i / 7)), i = 0..6
        assertThat(s.at(3)).isCloseTo(1.0, within(1e-12));
        assertThat(s.at(4)).isCloseTo(0.2 + 0.4 * (1 + Math.cos(Math.PI / 7)), within(1e-12));
        assertThat(s.at(9)).isCloseTo(0.2 + 0.4 * (1 + Math.cos(6 * Math.PI / 7)), within(1e-12));
    }

    @Test
    void risingScheduleWithoutWarmupStartsAtBase() {
        CosineSchedule momentum = new CosineSchedule(0.996, 1, 4);
        assertThat(momentum.at(0)).isCloseTo(0.996, within(1e-12));
        assertThat(momentum.at(2)).isCloseTo(0.998, within(1e-12));
        assertThat(momentum.at(3)).isCloseTo(1 - 0.002 * (1 + Math.cos(3 * Math.PI / 4)), within(1e-12));
    }

    @Test
    void refusesIterationsOutsideTheRunAndWarmupsLongerThanIt() {
        CosineSchedule s = new CosineSchedule(1, 0, 5);
        assertThatThrownBy(() -> s.at(5)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new CosineSchedule(1, 0, 5, 6, 0)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void trainerSchedulesAreDinosWithTheLearningRateScaledByBatchOver256() {
        DinoHyperParameters hp = DinoToys.tiny().toBuilder().lr(5e-4).batchSize(64).warmupEpochs(2).build();
        try (DinoTrainer trainer = DinoTrainer.create(DinoTrainer.Stage.VIT256, hp, 3, 12,
                DinoToys.vit256Weights(1), 1, DinoTrainerTests.CPU)) {
            double peak = 5e-4 * 64 / 256;
            // warmup of 2 epochs x 3 iterations: linspace(0, peak, 6)
            assertThat(trainer.lrSchedule().at(0)).isEqualTo(0.0);
            assertThat(trainer.lrSchedule().at(3)).isCloseTo(peak * 3 / 5, within(1e-15));
            assertThat(trainer.lrSchedule().at(6)).isCloseTo(peak, within(1e-15));
            assertThat(trainer.lrSchedule().at(11)).isCloseTo(1e-6 + 0.5 * (peak - 1e-6) * (1 + Math.cos(
                    Math.PI * 5 / 6)), within(1e-15));
            assertThat(trainer.wdSchedule().at(0)).isCloseTo(0.04, within(1e-15));
            assertThat(trainer.wdSchedule().at(6)).isCloseTo(0.22, within(1e-12));
            assertThat(trainer.momentumSchedule().at(0)).isCloseTo(0.996, within(1e-15));
            assertThat(trainer.momentumSchedule().at(6)).isCloseTo(0.998, within(1e-12));
        }
    }
}
