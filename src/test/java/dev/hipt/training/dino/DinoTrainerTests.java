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
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
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

    @Test
    void teacherIsTheMomentumAverageOfItselfAndTheUpdatedStudent() {
        DinoHyperParameters hp = DinoToys.tiny().toBuilder().momentumTeacher(0.9).build();
        try (DinoTrainer trainer = DinoTrainer.create(DinoTrainer.Stage.VIT256, hp, 2, 4, DinoToys.vit256Weights(2),
                3, CPU)) {
            StateDict before = trainer.teacher();
            assertClose(trainer.student(), before, "student at start");
            Random random = new Random(1);
            for (int step = 0; step < 2; step++) {
                double m = trainer.momentumSchedule().at(step);
                StateDict teacher = trainer.teacher();
                trainer.step(DinoToys.imageBatch(random));
                StateDict student = trainer.student();
                java.util.Map<String, Tensor> expected = new java.util.LinkedHashMap<>();
                teacher.asMap().forEach((name, t) -> {
                    float[] s = student.get(name).data();
                    float[] e = new float[s.length];
                    for (int k = 0; k < e.length; k++) {
                        e[k] = (float) (m * t.data()[k] + (1 - m) * s[k]);
                    }
                    expected.put(name, new Tensor(t.shape(), e));
                });
                assertClose(trainer.teacher(), new StateDict(expected), "teacher after step " + step);
            }
            assertThat(trainer.student().get("head.last_layer.weight_g").data()).containsOnly(1f);
        }
    }

    @Test
    void centerAfterTheFirstStepIsATenthOfTheTeachersMeanOutputOnTheGlobalViews() {
        DinoHyperParameters hp = DinoToys.tiny();
        Random random = new Random(6);
        List<MultiCropSample> batch = DinoToys.imageBatch(random);
        try (DinoTrainer trainer = DinoTrainer.create(DinoTrainer.Stage.VIT256, hp, 2, 4, DinoToys.vit256Weights(2),
                3, CPU)) {
            StateDict teacher = trainer.teacher();
            float[] outputs = teacherOutputs(teacher, hp, batch);
            double[] mean = new double[hp.outDim()];
            int rows = outputs.length / hp.outDim();
            assertThat(rows).isEqualTo(8);
            for (int r = 0; r < rows; r++) {
                for (int k = 0; k < hp.outDim(); k++) {
                    mean[k] += outputs[r * hp.outDim() + k] / (double) rows;
                }
            }
            trainer.step(batch);
            float[] center = trainer.center();
            for (int k = 0; k < hp.outDim(); k++) {
                assertThat((double) center[k]).as("center %d", k).isCloseTo(0.1 * mean[k],
                        org.assertj.core.api.Assertions.within(1e-6));
            }
        }
    }

    /** The teacher's head outputs on the batch's global views, view-major, with a freshly loaded copy. */
    private static float[] teacherOutputs(StateDict teacher, DinoHyperParameters hp, List<MultiCropSample> batch) {
        dev.hipt.model.VisionTransformer vit = DinoToys.vit256();
        DinoHead head = new DinoHead(24, hp.hiddenDim(), hp.bottleneckDim(), hp.outDim());
        try (ai.djl.ndarray.NDManager m = ai.djl.ndarray.NDManager.newBaseManager("PyTorch")) {
            vit.load(teacher.withPrefix("backbone."), m);
            head.load(teacher.withPrefix("head."), m);
            int side = DinoToys.GLOBAL_SIDE;
            int size = 3 * side * side;
            float[] x = new float[2 * batch.size() * size];
            int offset = 0;
            for (int v = 0; v < 2; v++) {
                for (MultiCropSample s : batch) {
                    System.arraycopy(s.globals().get(v), 0, x, offset, size);
                    offset += size;
                }
            }
            ai.djl.ndarray.NDArray cls = vit.forwardImages(m.create(x,
                    new ai.djl.ndarray.types.Shape(2L * batch.size(), 3, side, side)), false).get(0);
            return head.forward(cls).toFloatArray();
        }
    }

    @Test
    void lastLayerStaysFrozenDuringTheFirstEpochOnly() {
        DinoHyperParameters hp = DinoToys.tiny().toBuilder().freezeLastLayer(1).build();
        try (DinoTrainer trainer = DinoTrainer.create(DinoTrainer.Stage.VIT256, hp, 2, 4, DinoToys.vit256Weights(2),
                3, CPU)) {
            Random random = new Random(1);
            StateDict start = trainer.student();
            trainer.step(DinoToys.imageBatch(random));
            trainer.step(DinoToys.imageBatch(random));
            StateDict afterEpoch1 = trainer.student();
            assertThat(afterEpoch1.get("head.last_layer.weight_v").data())
                    .isEqualTo(start.get("head.last_layer.weight_v").data());
            assertThat(afterEpoch1.get("head.mlp.0.weight").data()).isNotEqualTo(start.get("head.mlp.0.weight").data());
            assertThat(afterEpoch1.get("backbone.blocks.0.attn.qkv.weight").data())
                    .isNotEqualTo(start.get("backbone.blocks.0.attn.qkv.weight").data());
            trainer.step(DinoToys.imageBatch(random));
            assertThat(trainer.student().get("head.last_layer.weight_v").data())
                    .isNotEqualTo(start.get("head.last_layer.weight_v").data());
            assertThat(trainer.student().get("head.last_layer.weight_g").data()).containsOnly(1f);
        }
    }

    @Test
    void checkpointIsDinosLayoutAndItsTeacherLoadsBackWithIdenticalOutputs() {
        Path pth = tmp.resolve("run.pth");
        Path safetensors = tmp.resolve("run.safetensors");
        StateDict teacher;
        int trainable;
        int unregularised;
        try (DinoTrainer trainer = DinoTrainer.create(DinoTrainer.Stage.VIT256, DinoToys.tiny(), 2, 4,
                DinoToys.vit256Weights(2), 3, CPU)) {
            Random random = new Random(1);
            trainer.step(DinoToys.imageBatch(random));
            trainer.step(DinoToys.imageBatch(random));
            trainer.step(DinoToys.imageBatch(random));
            trainer.writeCheckpoint(pth, safetensors);
            teacher = trainer.teacherBackbone();
            StateDict student = trainer.student();
            trainable = student.size() - 1; // all but last_layer.weight_g
            unregularised = (int) student.asMap().entrySet().stream()
                    .filter(e -> e.getKey().endsWith(".bias") || e.getValue().shape().length == 1).count();
        }

        StateDict read = dev.hipt.model.CheckpointReader.read(pth);
        assertClose(read, teacher, "teacher read back");
        assertClose(dev.hipt.model.Safetensors.read(safetensors), teacher, "safetensors teacher");
        float[] ours = forward(teacher);
        float[] back = forward(read);
        assertThat(back).isEqualTo(ours);

        java.util.Map<?, ?> root = (java.util.Map<?, ?>) dev.hipt.model.CheckpointReader.readTree(pth);
        assertThat(keys(root)).containsExactly("student", "teacher", "optimizer", "epoch", "args", "dino_loss",
                "iteration");
        assertThat(keys(root.get("student")))
                .allMatch(k -> ((String) k).startsWith("module.backbone.") || ((String) k).startsWith("module.head."))
                .contains("module.head.mlp.0.weight", "module.head.last_layer.weight_g",
                        "module.head.last_layer.weight_v", "module.backbone.patch_embed.proj.weight");
        assertThat(keys(root.get("teacher")))
                .allMatch(k -> ((String) k).startsWith("backbone.") || ((String) k).startsWith("head."));
        assertThat(root.get("epoch")).isEqualTo(1);
        assertThat(root.get("iteration")).isEqualTo(3);
        java.util.Map<?, ?> args = (java.util.Map<?, ?>) root.get("args");
        assertThat(args.get("arch")).isEqualTo("vit_small");
        assertThat(args.get("out_dim")).isEqualTo(32);
        java.util.Map<?, ?> optimizer = (java.util.Map<?, ?>) root.get("optimizer");
        List<?> groups = (List<?>) optimizer.get("param_groups");
        java.util.Map<?, ?> decayed = (java.util.Map<?, ?>) groups.get(0);
        java.util.Map<?, ?> plain = (java.util.Map<?, ?>) groups.get(1);
        assertThat(((List<?>) decayed.get("params")).size() + ((List<?>) plain.get("params")).size())
                .isEqualTo(trainable);
        assertThat((List<?>) plain.get("params")).hasSize(unregularised);
        assertThat(plain.get("weight_decay")).isEqualTo(0.0);
        assertThat((Double) decayed.get("weight_decay")).isGreaterThan(0.04);
        java.util.Map<?, ?> state = (java.util.Map<?, ?>) optimizer.get("state");
        assertThat(state).hasSize(trainable);
        java.util.Map<?, ?> first = (java.util.Map<?, ?>) state.get(0);
        assertThat(((Tensor) first.get("step")).data()).containsExactly(3f);
        assertThat(((Tensor) ((java.util.Map<?, ?>) root.get("dino_loss")).get("center")).shape())
                .containsExactly(1, 32);
    }

    private static List<Object> keys(Object map) {
        return new ArrayList<>(((java.util.Map<?, ?>) map).keySet());
    }

    private static float[] forward(StateDict weights) {
        dev.hipt.model.VisionTransformer vit = dev.hipt.model.VisionTransformer.describedBy(weights, 6);
        try (ai.djl.ndarray.NDManager m = ai.djl.ndarray.NDManager.newBaseManager("PyTorch")) {
            vit.load(weights, m);
            float[] x = new float[2 * 3 * 64 * 64];
            Random random = new Random(8);
            for (int i = 0; i < x.length; i++) {
                x[i] = (float) random.nextGaussian();
            }
            return vit.forwardImages(m.create(x, new ai.djl.ndarray.types.Shape(2, 3, 64, 64)), false).get(0)
                    .toFloatArray();
        }
    }

    /**
     * PyTorch's grad mode is per thread and on by default; DJL switches it off only on the thread that loaded the
     * engine. A trainer driven from another thread (a job's worker) must still update its leaves in place.
     */
    @Test
    void stepsOnAThreadOtherThanTheOneThatStartedTheEngine() throws Exception {
        ExecutorService worker = Executors.newSingleThreadExecutor();
        try (DinoTrainer trainer = DinoTrainer.create(DinoTrainer.Stage.VIT256, DinoToys.tiny(), 2, 2,
                DinoToys.vit256Weights(4), 3, CPU)) {
            List<MultiCropSample> batch = DinoToys.imageBatch(new Random(4));
            float loss = CompletableFuture.supplyAsync(() -> trainer.step(batch), worker).get(120, TimeUnit.SECONDS);

            assertThat(loss).isPositive();
            assertThat(trainer.iteration()).isEqualTo(1);
        } finally {
            worker.shutdownNow();
        }
    }

    @Test
    void refusesBatchesThatDoNotFitTheBackboneAndInitsOfTheOtherStage() {
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> DinoTrainer.create(DinoTrainer.Stage.VIT4K,
                DinoToys.tiny(), 2, 4, DinoToys.vit256Weights(2), 3, CPU))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("VIT4K");
        try (DinoTrainer trainer = DinoTrainer.create(DinoTrainer.Stage.VIT256, DinoToys.tiny(), 2, 1,
                DinoToys.vit256Weights(2), 3, CPU)) {
            Random random = new Random(1);
            org.assertj.core.api.Assertions.assertThatThrownBy(() -> trainer.step(DinoToys.gridBatch(random)))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("channels");
            org.assertj.core.api.Assertions.assertThatThrownBy(() -> trainer.step(
                    DinoToys.batch(random, 2, 3, 40, 32, 1)))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("multiples of the patch size");
            org.assertj.core.api.Assertions.assertThatThrownBy(() -> trainer.step(List.of()))
                    .isInstanceOf(IllegalArgumentException.class);
            assertThat(trainer.iteration()).isZero();
            trainer.step(DinoToys.imageBatch(random));
            org.assertj.core.api.Assertions.assertThatThrownBy(() -> trainer.step(DinoToys.imageBatch(random)))
                    .isInstanceOf(IllegalStateException.class).hasMessageContaining("all 1 iterations are done");
        }
    }

    @Test
    void resumeRefusesACheckpointItDidNotWrite() {
        Path plain = tmp.resolve("plain.pth");
        dev.hipt.model.TorchCheckpointWriter.write(plain, DinoToys.vit256Weights(1));
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> DinoTrainer.resume(plain, CPU))
                .isInstanceOf(dev.hipt.model.CheckpointException.class);
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
