package dev.hipt.training.dino;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import dev.hipt.model.VisionTransformer;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The ViTs' training forward: stochastic depth, and gradients that reach the position embeddings. */
class DropPathTests {

    private static final int B = 4;

    @Test
    void trainingForwardWithoutDropPathEqualsInference() {
        VisionTransformer vit = DinoToys.vit256();
        try (NDManager m = NDManager.newBaseManager("PyTorch")) {
            vit.load(vit.randomStateDict(3), m);
            NDArray x = m.create(images(new Random(1), 32), new Shape(B, 3, 32, 32));
            float[] training = vit.forwardTraining(x, VisionTransformer.DropPath.NONE).toFloatArray();
            float[] inference = vit.forwardImages(x, false).get(0).toFloatArray();
            assertThat(training).containsExactly(inference, org.assertj.core.api.Assertions.within(1e-5f));
        }
    }

    @Test
    void droppingEveryBranchLeavesOnlyTheClsTokenAndItsPosition() {
        VisionTransformer vit = DinoToys.vit256();
        VisionTransformer.DropPath all = (block, branch, batch) -> new float[batch];
        try (NDManager m = NDManager.newBaseManager("PyTorch")) {
            vit.load(vit.randomStateDict(3), m);
            Random random = new Random(2);
            float[] a = vit.forwardTraining(m.create(images(random, 32), new Shape(B, 3, 32, 32)), all).toFloatArray();
            float[] b = vit.forwardTraining(m.create(images(random, 32), new Shape(B, 3, 32, 32)), all).toFloatArray();
            float[] kept = vit.forwardTraining(m.create(images(random, 32), new Shape(B, 3, 32, 32)),
                    VisionTransformer.DropPath.NONE).toFloatArray();
            assertThat(a).containsExactly(b, org.assertj.core.api.Assertions.within(1e-6f));
            assertThat(Arrays.copyOf(a, 24)).containsExactly(Arrays.copyOfRange(a, 24, 48),
                    org.assertj.core.api.Assertions.within(1e-6f));
            assertThat(kept).isNotEqualTo(a);
        }
    }

    @Test
    void positionEmbeddingsOfAnotherGridGetGradients() {
        VisionTransformer vit = DinoToys.vit256();
        try (NDManager m = NDManager.newBaseManager("PyTorch")) {
            vit.load(vit.randomStateDict(3), m);
            vit.freeze(false);
            NDArray x = m.create(images(new Random(1), 32), new Shape(B, 3, 32, 32));
            try (GradientCollector collector = Engine.getEngine("PyTorch").newGradientCollector()) {
                collector.backward(vit.forwardTraining(x, VisionTransformer.DropPath.NONE).square().sum());
            }
            float[] grad = vit.namedParameters().get("pos_embed").getArray().getGradient().toFloatArray();
            // 2 x 2 grid from the stored 4 x 4 one: every stored patch position feeds the bicubic resize
            int dim = 24;
            for (int position = 1; position <= 16; position++) {
                double sum = 0;
                for (int c = 0; c < dim; c++) {
                    sum += Math.abs(grad[position * dim + c]);
                }
                assertThat(sum).as("|gradient| of stored position %d", position).isGreaterThan(0);
            }
        }
    }

    private static float[] images(Random random, int side) {
        float[] out = new float[B * 3 * side * side];
        for (int i = 0; i < out.length; i++) {
            out[i] = (float) random.nextGaussian();
        }
        return out;
    }
}
