package dev.hipt.training.dino;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hipt.model.DevicePreference;
import dev.hipt.model.ModelOptions;
import dev.hipt.model.StateDict;
import dev.hipt.model.Tensor;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** DINO training end to end on tiny backbones: learning, resuming, and the student/teacher update rules. */
class DinoTrainerTests {

    static final ModelOptions CPU = new ModelOptions(DevicePreference.CPU, 8);

    @TempDir
    Path tmp;

    /**
     * The teacher held still (momentum 1) and uncentered (center momentum 1): the student must learn to give every
     * view of a kind the teacher's sharpened assignment of that kind's global views, so the loss must fall.
     */
    @Test
    void lossGoesDownOnTwoSeparableImageKinds() {
        List<Float> losses = train(DinoTrainer.Stage.VIT256, DinoToys.vit256Weights(1), DinoToys::imageBatch);
        assertThat(mean(losses.subList(15, 20))).as("losses %s", losses).isLessThan(mean(losses.subList(0, 5)) * 0.8);
    }

    @Test
    void lossGoesDownOnTwoSeparableTokenGridKinds() {
        List<Float> losses = train(DinoTrainer.Stage.VIT4K, DinoToys.vit4k().randomStateDict(3), DinoToys::gridBatch);
        assertThat(mean(losses.subList(15, 20))).as("losses %s", losses).isLessThan(mean(losses.subList(0, 5)) * 0.8);
    }

    private static List<Float> train(DinoTrainer.Stage stage, StateDict init,
                                     java.util.function.Function<Random, List<MultiCropSample>> data) {
        DinoHyperParameters hp = DinoToys.tiny().toBuilder().lr(0.1).momentumTeacher(1).centerMomentum(1).build();
        List<Float> losses = new ArrayList<>();
        try (DinoTrainer trainer = DinoTrainer.create(stage, hp, 5, 20, init, 7, CPU)) {
            Random random = new Random(2);
            for (int i = 0; i < 20; i++) {
                losses.add(trainer.step(data.apply(random)));
            }
            assertThat(trainer.iteration()).isEqualTo(20);
            assertThat(trainer.epoch()).isEqualTo(4);
        }
        return losses;
    }

    @Test
    void stepsThenCheckpointThenResumeEqualOneUninterruptedRun() {
        DinoHyperParameters hp = DinoToys.tiny().toBuilder().warmupEpochs(1).build();
        List<List<MultiCropSample>> batches = new ArrayList<>();
        Random random = new Random(9);
        for (int i = 0; i < 5; i++) {
            batches.add(DinoToys.imageBatch(random));
        }
        List<Float> straightLosses = new ArrayList<>();
        StateDict straightStudent;
        StateDict straightTeacher;
        float[] straightCenter;
        try (DinoTrainer trainer = DinoTrainer.create(DinoTrainer.Stage.VIT256, hp, 2, 5,
                DinoToys.vit256Weights(5), 11, CPU)) {
            for (List<MultiCropSample> b : batches) {
                straightLosses.add(trainer.step(b));
            }
            straightStudent = trainer.student();
            straightTeacher = trainer.teacher();
            straightCenter = trainer.center();
        }

        List<Float> resumedLosses = new ArrayList<>();
        Path pth = tmp.resolve("checkpoint.pth");
        try (DinoTrainer trainer = DinoTrainer.create(DinoTrainer.Stage.VIT256, hp, 2, 5,
                DinoToys.vit256Weights(5), 11, CPU)) {
            for (List<MultiCropSample> b : batches.subList(0, 3)) {
                resumedLosses.add(trainer.step(b));
            }
            trainer.writeCheckpoint(pth, tmp.resolve("teacher.safetensors"));
        }
        try (DinoTrainer trainer = DinoTrainer.resume(pth, CPU)) {
            assertThat(trainer.iteration()).isEqualTo(3);
            assertThat(trainer.epoch()).isEqualTo(1);
            for (List<MultiCropSample> b : batches.subList(3, 5)) {
                resumedLosses.add(trainer.step(b));
            }
            assertClose(trainer.student(), straightStudent, "student");
            assertClose(trainer.teacher(), straightTeacher, "teacher");
            assertThat(trainer.center()).containsExactly(straightCenter, org.assertj.core.api.Assertions.within(1e-6f));
        }
        assertThat(resumedLosses).hasSize(5);
        for (int i = 0; i < 5; i++) {
            assertThat(resumedLosses.get(i)).as("loss %d", i)
                    .isCloseTo(straightLosses.get(i), org.assertj.core.api.Assertions.within(1e-6f));
        }
    }

    static void assertClose(StateDict actual, StateDict expected, String what) {
        assertThat(actual.keys()).containsExactlyElementsOf(expected.keys());
        expected.asMap().forEach((name, t) -> {
            Tensor a = actual.get(name);
            assertThat(a.shape()).as("%s %s", what, name).isEqualTo(t.shape());
            float max = 0;
            for (int i = 0; i < t.data().length; i++) {
                max = Math.max(max, Math.abs(a.data()[i] - t.data()[i]));
            }
            assertThat(max).as("max |diff| of %s %s", what, name).isLessThanOrEqualTo(1e-6f);
        });
    }

    static double mean(List<Float> values) {
        return values.stream().mapToDouble(Float::doubleValue).average().orElseThrow();
    }
}
