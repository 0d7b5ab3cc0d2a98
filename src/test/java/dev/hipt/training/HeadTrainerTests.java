package dev.hipt.training;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.engine.Engine;
import ai.djl.pytorch.jni.JniUtils;
import dev.hipt.model.SlideAggregator;
import dev.hipt.model.StateDict;
import dev.hipt.model.Tensor;
import dev.hipt.model.VisionTransformer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/** Heads trained on small separable synthetic cls256 grids learn them; the export is HIPT_LGP_FC's state dict. */
class HeadTrainerTests {

    private static final int TOKENS = 16;
    private static final int FEATURES = 384;
    private static final StateDict VIT4K = VisionTransformer.vit4k(1).randomStateDict(8);
    private static final List<String> CLASSES = List.of("IDC", "ILC");

    @Test
    void subtypeHeadSeparatesTwoClassesOnValidation() {
        List<TrainingSample> samples = subtypeSamples(16, 3);
        List<HeadTrainer.EpochRecord> seen = new ArrayList<>();
        HeadTrainer.TrainedHead head = HeadTrainer.train(HeadTask.SUBTYPE, samples, CLASSES, VIT4K,
                options(6, 2, false), seen::add, () -> false);

        assertThat(head.metrics().get("accuracy")).as("metrics %s", head.metrics()).isEqualTo(1.0);
        assertThat((Double) head.metrics().get("balancedAccuracy")).isEqualTo(1.0);
        assertThat((Double) head.metrics().get("auc")).isEqualTo(1.0);
        assertThat(head.metrics()).containsEntry("validationSlides", 4).containsEntry("trainingSlides", 12);
        assertThat(seen).isEqualTo(head.history());
        assertThat(head.history().get(head.history().size() - 1).trainLoss())
                .as("training loss falls: %s", head.history())
                .isLessThan(head.history().get(0).trainLoss() * 0.5);
        double bestLoss = head.history().stream().mapToDouble(HeadTrainer.EpochRecord::validationLoss).min()
                .orElseThrow();
        assertThat(head.metrics().get("validationLoss")).isEqualTo(bestLoss);
        assertThat(head.history().get(head.bestEpoch() - 1).validationLoss()).isEqualTo(bestLoss);
    }

    @Test
    void survivalHeadRanksShortSurvivorsAsRiskier() {
        Random random = new Random(11);
        List<TrainingSample> samples = new ArrayList<>();
        for (int i = 0; i < 24; i++) {
            double level = (i % 6) / 5.0;              // 0..1: higher level, shorter survival
            double months = 60 - 50 * level + random.nextDouble();
            boolean censored = i % 4 == 3;
            samples.add(new TrainingSample(UUID.randomUUID(), 2, grid(random, 2, 32, (float) (2 * level - 1)), 0,
                    months, censored));
        }
        HeadTrainer.TrainedHead head = HeadTrainer.train(HeadTask.SURVIVAL, samples, List.of(), VIT4K,
                options(12, 4, false), r -> { }, () -> false);

        // A random ranking scores 0.5. (A CI run once got 0.727: libtorch then trained with the machine's thread
        // count, and its parallel reductions, amplified by AdamW, gave another head; see the test below.)
        assertThat((Double) head.metrics().get("cIndex")).as("metrics %s", head.metrics()).isGreaterThan(0.85);
        assertThat(head.timeBins()).hasSize(5);
        assertThat(head.weights().get("classifier.weight").shape()).containsExactly(4, 192);
    }

    @Test
    void aSeedGivesTheSameHeadWhateverLibtorchsThreadCount() {
        Engine.getEngine("PyTorch");
        int threads = JniUtils.getNumThreads();
        List<TrainingSample> samples = subtypeSamples(8, 5);
        List<StateDict> heads = new ArrayList<>();
        try {
            for (int t : new int[] {1, 3}) {
                JniUtils.setNumThreads(t);
                heads.add(HeadTrainer.train(HeadTask.SUBTYPE, samples, CLASSES, VIT4K, options(2, 2, false), r -> { },
                        () -> false).weights());
            }
        } finally {
            JniUtils.setNumThreads(threads);
        }
        heads.get(0).asMap().forEach((name, t) -> assertThat(heads.get(1).get(name).data())
                .as("%s trained with 1 and with 3 libtorch threads", name).containsExactly(t.data()));
    }

    @Test
    void exportsExactlyHiptLgpFcKeysAndShapesAndAFrozenLocalVitKeepsTheVit4kWeights() {
        HeadTrainer.TrainedHead head = HeadTrainer.train(HeadTask.SUBTYPE, subtypeSamples(8, 5), CLASSES, VIT4K,
                options(2, 2, true), r -> { }, () -> false);

        SlideAggregator reference = SlideAggregator.small(1, 2);
        assertThat(head.weights().keys()).containsExactlyElementsOf(reference.parameterShapes().keySet());
        reference.parameterShapes().forEach((name, shape) ->
                assertThat(head.weights().get(name).shape()).as(name).containsExactly(shape));
        VIT4K.asMap().forEach((name, t) -> assertThat(head.weights().get("local_vit." + name).data())
                .as("frozen local_vit.%s", name).containsExactly(t.data()));
        Tensor trained = head.weights().get("global_phi.0.weight");
        Tensor initial = reference.randomStateDict(5).get("global_phi.0.weight");
        assertThat(Arrays.equals(trained.data(), initial.data())).as("global_phi trained").isFalse();
    }

    @Test
    void fineTunedLocalVitMovesAwayFromTheVit4k() {
        HeadTrainer.TrainedHead head = HeadTrainer.train(HeadTask.SUBTYPE, subtypeSamples(8, 5), CLASSES, VIT4K,
                options(2, 2, false), r -> { }, () -> false);
        assertThat(head.weights().get("local_vit.phi.0.weight").data())
                .isNotEqualTo(VIT4K.get("phi.0.weight").data());
    }

    @Test
    void stopsEarlyWhenValidationLossStopsFalling() {
        TrainingOptions diverging = new TrainingOptions(40, 0.5, 0, 1, 0.25, 3, 2, false);
        HeadTrainer.TrainedHead head = HeadTrainer.train(HeadTask.SUBTYPE, subtypeSamples(8, 9), CLASSES, VIT4K,
                diverging, r -> { }, () -> false);
        assertThat(head.stoppedEarly()).isTrue();
        assertThat(head.history()).hasSize(head.bestEpoch() + 2);
    }

    @Test
    void cancellingStopsBetweenSlides() {
        assertThatThrownBy(() -> HeadTrainer.train(HeadTask.SUBTYPE, subtypeSamples(8, 5), CLASSES, VIT4K,
                options(5, 1, false), r -> { }, () -> true))
                .isInstanceOf(HeadTrainer.Cancelled.class);
    }

    @Test
    void oneClassOnlyIsATrainingFailure() {
        assertThatThrownBy(() -> HeadTrainer.train(HeadTask.SUBTYPE, subtypeSamples(8, 5), List.of("IDC"), VIT4K,
                options(1, 1, false), r -> { }, () -> false))
                .isInstanceOfSatisfying(TrainingFailure.class,
                        f -> assertThat(f.code()).isEqualTo(TrainingFailure.SINGLE_CLASS));
    }

    static TrainingOptions options(int epochs, int accumulation, boolean freeze) {
        return new TrainingOptions(epochs, 1e-3, 1e-5, accumulation, 0.25, 5, 100, freeze);
    }

    /** Class 0 has its first 64 features shifted up, class 1 down, on top of unit noise. */
    static List<TrainingSample> subtypeSamples(int n, long seed) {
        Random random = new Random(seed);
        List<TrainingSample> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            int label = i % 2;
            out.add(new TrainingSample(UUID.randomUUID(), 2, grid(random, 2, TOKENS, label == 0 ? 1f : -1f), label, 0,
                    false));
        }
        return out;
    }

    static float[] grid(Random random, int regions, int tokens, float shift) {
        float[] x = new float[regions * tokens * FEATURES];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) random.nextGaussian() + (i % FEATURES < 64 ? shift : 0);
        }
        return x;
    }
}
