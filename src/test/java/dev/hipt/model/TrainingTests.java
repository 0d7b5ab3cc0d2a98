package dev.hipt.model;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.training.GradientCollector;
import ai.djl.training.optimizer.Optimizer;
import ai.djl.training.tracker.Tracker;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

/** The blocks train: under a GradientCollector every parameter gets a gradient, and optimiser steps lower a loss. */
class TrainingTests {

    private static final int STEPS = 12;

    @Test
    void visionTransformerParametersAllGetGradientsAndAdamLowersTheLoss() {
        VisionTransformer vit = TinyModels.vit256();
        Random random = new Random(3);
        float[] images = gaussian(random, 4 * 3 * 48 * 48);
        float[] target = gaussian(random, 4 * 32);

        List<Float> losses = train(vit, 11, Set.of(), step -> {
            NDArray x = step.create(images, new Shape(4, 3, 48, 48));
            NDArray cls = vit.forwardImages(x, false).get(0);
            return cls.sub(step.create(target, new Shape(4, 32))).square().mean();
        });

        assertThat(losses.get(losses.size() - 1)).as("loss after %d Adam steps, from %s", STEPS, losses)
                .isLessThan(losses.get(0) * 0.8f);
    }

    /**
     * The gated attention scores are softmax-normalised over regions, so adding a constant to all of them changes
     * nothing: {@code attention_c.bias} has a zero gradient by construction (in PyTorch too) and is exempt.
     */
    @Test
    void slideAggregatorParametersAllGetGradientsAndAdamLowersTheLoss() {
        SlideAggregator aggregator = TinyModels.aggregator(3);
        Random random = new Random(5);
        float[] x256 = gaussian(random, 3 * 16 * 32);

        List<Float> losses = train(aggregator, 13, Set.of("global_attn_pool.attention_c.bias"), step -> {
            NDArray x = step.create(x256, new Shape(3, 16, 32));
            NDArray logits = aggregator.forward(x).get(0);
            return logits.logSoftmax(1).get(0, 2).neg();
        });

        assertThat(losses.get(losses.size() - 1)).as("loss after %d Adam steps, from %s", STEPS, losses)
                .isLessThan(losses.get(0) * 0.8f);
    }

    private static List<Float> train(TorchModule module, long seed, Set<String> zeroGradientByDesign,
                                     Function<NDManager, NDArray> lossOf) {
        Engine engine = Engine.getEngine("PyTorch");
        List<Float> losses = new ArrayList<>();
        try (NDManager manager = NDManager.newBaseManager("PyTorch")) {
            module.load(module.randomStateDict(seed), manager);
            module.freeze(false);
            Map<String, Parameter> params = module.namedParameters();
            Optimizer adam = Optimizer.adam().optLearningRateTracker(Tracker.fixed(0.01f)).build();
            for (int step = 0; step < STEPS; step++) {
                try (NDManager stepManager = manager.newSubManager()) {
                    try (GradientCollector collector = engine.newGradientCollector()) {
                        NDArray loss = lossOf.apply(stepManager);
                        losses.add(loss.getFloat());
                        collector.backward(loss);
                    }
                    for (Map.Entry<String, Parameter> e : params.entrySet()) {
                        NDArray weight = e.getValue().getArray();
                        try (NDArray grad = weight.getGradient()) {
                            if (step == 0 && !zeroGradientByDesign.contains(e.getKey())) {
                                assertThat(grad.abs().sum().getFloat()).as("gradient of %s", e.getKey())
                                        .isGreaterThan(0f);
                            }
                            adam.update(e.getValue().getId(), weight, grad);
                            grad.muli(0);
                        }
                    }
                }
            }
        }
        return losses;
    }

    static float[] gaussian(Random random, int n) {
        float[] out = new float[n];
        for (int i = 0; i < n; i++) {
            out[i] = (float) random.nextGaussian();
        }
        return out;
    }
}
