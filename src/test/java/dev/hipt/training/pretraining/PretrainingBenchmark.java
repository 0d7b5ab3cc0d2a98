package dev.hipt.training.pretraining;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDManager;
import ai.djl.pytorch.jni.JniUtils;
import dev.hipt.model.DevicePreference;
import dev.hipt.model.Devices;
import dev.hipt.model.ModelBenchmark;
import dev.hipt.model.ModelOptions;
import dev.hipt.model.Precision;
import dev.hipt.training.dino.DinoHyperParameters;
import dev.hipt.training.dino.DinoTrainer;
import dev.hipt.training.dino.MultiCropSample;
import dev.hipt.wsi.RgbImage;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * DINO training throughput of both stages at the official sizes, against the same run's float32 GEMM rate of the
 * same engine (a benchmark, not a test): stage 1 trains ViT-S/16 (12 blocks) on 2 global 224 px and 8 local 96 px
 * views of 256 px patches, stage 2 ViT-4K/256 (6 blocks) on 2 global 14 x 14 and 8 local 6 x 6 views of
 * {@code [384 x 16 x 16]} token grids, both with DINO's head (2048 hidden, bottleneck 256) of {@code outDim} outputs.
 * Views come from the jobs' own augmentations; each timed iteration is one {@link DinoTrainer#step} (student forward
 * and backward, loss, clipping, AdamW, teacher EMA) between two GEMM measurements.
 *
 * <pre>
 * ./mvnw -q -o test-compile org.codehaus.mojo:exec-maven-plugin:3.6.4:java -Dexec.classpathScope=test \
 *     -Dexec.mainClass=dev.hipt.training.pretraining.PretrainingBenchmark
 * </pre>
 *
 * Options (system properties): {@code hipt.bench.stages} ({@code 1,2}), {@code hipt.bench.batch1} (stage-1 images a
 * step, default 8), {@code hipt.bench.batch2} (stage-2 regions a step, default 32), {@code hipt.bench.out-dim}
 * (default 65536, DINO's and HIPT's), {@code hipt.bench.rounds} (timed steps a stage, default 2, after one untimed),
 * {@code hipt.bench.device} (auto|cpu|gpu) and DJL's {@code ai.djl.pytorch.num_threads}.
 *
 * <p>The efficiency figure is images/s x FLOP per image / GEMM FLOP/s, where an image costs the student's forward
 * and backward over all its views (3 x forward: the backward pass is two GEMMs per forward GEMM) plus the teacher's
 * forward over the 2 global views; matrix products only (LayerNorm, softmax, GELU and the optimiser are not counted).
 * Training runs in float32 (the DINO core has no mixed precision), so the float32 GEMM is the limit.
 */
public final class PretrainingBenchmark {

    private static final int HIDDEN = 2048;
    private static final int BOTTLENECK = 256;
    private static final int VIT256_DIM = 384;
    private static final int VIT4K_DIM = 192;
    private static final int MLP_RATIO = 4;

    private PretrainingBenchmark() {
    }

    /** One stage's trainer, its sample source and its cost model. */
    private record Stage(String name, DinoTrainer.Stage stage, int batch, MultiCropSettings crops,
                         java.util.function.Function<SplittableRandom, MultiCropSample> sample, double flopPerImage) {
    }

    public static void main(String[] args) throws IOException {
        int outDim = Integer.getInteger("hipt.bench.out-dim", 65536);
        int rounds = Integer.getInteger("hipt.bench.rounds", 2);
        DevicePreference device = ModelOptions.parseDevice(System.getProperty("hipt.bench.device"));
        ModelOptions options = new ModelOptions(device, ModelOptions.DEFAULT_BATCH);
        ModelBenchmark.printMachine();
        List<Stage> stages = new ArrayList<>();
        for (String s : System.getProperty("hipt.bench.stages", "1,2").split(",")) {
            stages.add(s.trim().equals("1") ? stage1(Integer.getInteger("hipt.bench.batch1", 8), outDim)
                    : stage2(Integer.getInteger("hipt.bench.batch2", 32), outDim));
        }
        System.out.printf("engine: DJL PyTorch %s, intra-op threads %d, inter-op threads %d; outDim %d%s%n",
                Engine.getEngine("PyTorch").getVersion(), JniUtils.getNumThreads(), JniUtils.getNumInteropThreads(),
                outDim, outDim == 65536 ? " (official)" : " (NOT the official 65536)");
        List<String> table = new ArrayList<>();
        try (NDManager m = Devices.newManager(Devices.select(device));
             ModelBenchmark.Gemm gemm = ModelBenchmark.Gemm.of(Precision.FP32, m)) {
            System.out.printf("GEMM 2048^3 %s on %s: %.1f GFLOP/s (best of 3)%n", gemm.label(), m.getDevice(),
                    gemm.rate(3) / 1e9);
            for (Stage stage : stages) {
                table.add(run(stage, outDim, rounds, options, gemm));
            }
        }
        System.out.printf("%nDINO training, float32, %d timed steps a stage (medians):%n", rounds);
        System.out.printf("| stage | batch | views | images/s | s per step | GFLOP per image | fp32 GEMM GFLOP/s "
                + "| efficiency (images/s x FLOP per image / GEMM) |%n|---|---|---|---|---|---|---|---|%n");
        table.forEach(System.out::println);
        System.out.printf("load average at end: %s%n", ModelBenchmark.loadAverage());
    }

    private static String run(Stage stage, int outDim, int rounds, ModelOptions options, ModelBenchmark.Gemm gemm) {
        DinoHyperParameters hp = DinoHyperParameters.builder().outDim(outDim).batchSize(stage.batch())
                .localCrops(stage.crops().localCrops()).freezeLastLayer(0).build();
        SplittableRandom random = new SplittableRandom(11);
        double[] rate = new double[rounds];
        double[] limit = new double[rounds];
        // many iterations an epoch: the timed steps are mid-run ones (last layer trained, schedules past warm-up)
        try (DinoTrainer trainer = DinoTrainer.create(stage.stage(), hp, 1000, 1000, null, 3, options)) {
            long t0 = System.nanoTime();
            List<MultiCropSample> batch = batch(stage, random);
            double augment = (System.nanoTime() - t0) / 1e9;
            System.out.printf("%s: augmentation %.2f s for %d samples (%.1f samples/s, one thread)%n", stage.name(),
                    augment, stage.batch(), stage.batch() / augment);
            t0 = System.nanoTime();
            float loss = trainer.step(batch);
            System.out.printf("%s: first step (untimed) %.1f s, loss %.3f%n", stage.name(),
                    (System.nanoTime() - t0) / 1e9, loss);
            for (int r = 0; r < rounds; r++) {
                batch = batch(stage, random);
                double before = gemm.rate(2);
                t0 = System.nanoTime();
                loss = trainer.step(batch);
                double s = (System.nanoTime() - t0) / 1e9;
                limit[r] = Math.max(before, gemm.rate(2));
                rate[r] = stage.batch() / s;
                System.out.printf("%s round %d: %.1f s, %.2f images/s, loss %.3f; fp32 GEMM %.1f GFLOP/s; "
                                + "efficiency %.2f%n", stage.name(), r + 1, s, rate[r], loss, limit[r] / 1e9,
                        rate[r] * stage.flopPerImage() / limit[r]);
            }
        }
        double images = ModelBenchmark.median(rate);
        double g = ModelBenchmark.median(limit);
        return String.format("| %s | %d | 2 x %d + %d x %d | %.2f | %.1f | %.1f | %.0f | %.2f |", stage.name(),
                stage.batch(), stage.crops().globalSide(), stage.crops().localCrops(), stage.crops().localSide(),
                images, stage.batch() / images, stage.flopPerImage() / 1e9, g / 1e9, images * stage.flopPerImage() / g);
    }

    private static List<MultiCropSample> batch(Stage stage, SplittableRandom random) {
        List<MultiCropSample> batch = new ArrayList<>(stage.batch());
        for (int i = 0; i < stage.batch(); i++) {
            batch.add(stage.sample().apply(random.split()));
        }
        return batch;
    }

    /** ViT-S/16 on multi-crops of random 256 px patches. */
    private static Stage stage1(int batch, int outDim) {
        MultiCropSettings crops = MultiCropSettings.stage1Defaults();
        ImageAugmentation augmentation = new ImageAugmentation(crops, ImageAugmentation.HIPT_MEAN,
                ImageAugmentation.HIPT_STD);
        int patch = 16;
        double flop = imageFlop(crops, side -> (side / patch) * (side / patch), 3 * patch * patch, VIT256_DIM, 12,
                outDim);
        return new Stage("stage 1 (ViT-256, 224/96 px)", DinoTrainer.Stage.VIT256, batch, crops, random -> {
            byte[] rgb = new byte[256 * 256 * 3];
            for (int i = 0; i < rgb.length; i++) {
                rgb[i] = (byte) random.nextInt(256);
            }
            return augmentation.views(new RgbImage(256, 256, rgb), random);
        }, flop);
    }

    /** ViT-4K/256 on multi-crops of random {@code [384 x 16 x 16]} token grids. */
    private static Stage stage2(int batch, int outDim) {
        MultiCropSettings crops = MultiCropSettings.stage2Defaults();
        GridAugmentation augmentation = new GridAugmentation(crops, VIT256_DIM);
        double flop = imageFlop(crops, side -> side * side, VIT256_DIM, VIT4K_DIM, 6, outDim);
        return new Stage("stage 2 (ViT-4K, 14/6 cells)", DinoTrainer.Stage.VIT4K, batch, crops, random -> {
            float[] grid = new float[VIT256_DIM * 256];
            for (int i = 0; i < grid.length; i++) {
                grid[i] = (float) random.nextGaussian();
            }
            return augmentation.views(grid, random);
        }, flop);
    }

    /** FLOPs of one sample: student forward and backward over every view, teacher forward over the global ones. */
    private static double imageFlop(MultiCropSettings crops, java.util.function.IntUnaryOperator tokens,
                                    int inPerToken, int dim, int depth, int outDim) {
        double global = viewFlop(tokens.applyAsInt(crops.globalSide()), inPerToken, dim, depth, outDim);
        double local = viewFlop(tokens.applyAsInt(crops.localSide()), inPerToken, dim, depth, outDim);
        double student = MultiCropSettings.GLOBAL_CROPS * global + crops.localCrops() * local;
        return 3 * student + MultiCropSettings.GLOBAL_CROPS * global;
    }

    /** Matrix-product FLOPs of one view: stem, {@code depth} pre-norm blocks over tokens + CLS, DINO head. */
    private static double viewFlop(int tokens, int inPerToken, int d, int depth, int outDim) {
        double n = tokens + 1;
        double linear = 2 * n * (3.0 * d * d + d * d + 2.0 * MLP_RATIO * d * d); // qkv, proj, MLP
        double attention = 2 * 2 * n * n * d; // q k^T and attention x v
        double stem = 2.0 * tokens * inPerToken * d;
        double head = 2.0 * ((double) d * HIDDEN + (double) HIDDEN * HIDDEN + (double) HIDDEN * BOTTLENECK
                + (double) BOTTLENECK * outDim);
        return stem + depth * (linear + attention) + head;
    }
}
