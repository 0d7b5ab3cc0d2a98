package dev.hipt.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import ai.djl.engine.Engine;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/** The region encoder's own contract, on tiny models with random weights. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class RegionEncoderTests {

    private RegionEncoder encoder;
    private RegionEncoder batchOfOne;

    @BeforeAll
    void createEncoders() {
        VisionTransformer v256 = TinyModels.vit256();
        VisionTransformer v4k = TinyModels.vit4k();
        StateDict w256 = v256.randomStateDict(21);
        StateDict w4k = v4k.randomStateDict(22);
        encoder = RegionEncoder.of(v256, w256, v4k, w4k, new ModelOptions(DevicePreference.CPU, 5));
        batchOfOne = RegionEncoder.of(TinyModels.vit256(), w256, TinyModels.vit4k(), w4k,
                new ModelOptions(DevicePreference.CPU, 1));
    }

    @AfterAll
    void closeEncoders() {
        encoder.close();
        batchOfOne.close();
    }

    @Test
    void preprocessCentreCropsToMultiplesOf256AndNormalises() {
        int width = 300;
        int height = 261;
        byte[] rgb = gradient(width, height);

        float[] chw = RegionEncoder.preprocess(rgb, width, height);

        assertThat(chw).hasSize(3 * 256 * 256);
        // left = round((300 - 256) / 2) = 22, top = round((261 - 256) / 2) = round(2.5) = 2 (half to even)
        for (int c = 0; c < 3; c++) {
            int src = ((2 * width) + 22) * 3 + c;
            float expected = ((rgb[src] & 0xff) / 255f - 0.5f) / 0.5f;
            assertThat(chw[c * 256 * 256]).as("channel %d of the crop's first pixel", c).isEqualTo(expected);
        }
        int last = ((2 + 255) * width + 22 + 255) * 3 + 1;
        assertThat(chw[256 * 256 + 255 * 256 + 255]).isEqualTo(((rgb[last] & 0xff) / 255f - 0.5f) / 0.5f);
    }

    @Test
    void preprocessGivesTheFormulasExactFloatForEveryByteInEveryChannel() {
        int side = 256;
        byte[] rgb = new byte[side * side * 3];
        for (int i = 0; i < rgb.length; i++) {
            rgb[i] = (byte) (i * 7 + i / 3);
        }

        float[] chw = RegionEncoder.preprocess(rgb, side, side);

        int plane = side * side;
        for (int p = 0; p < plane; p++) {
            for (int c = 0; c < 3; c++) {
                float expected = ((rgb[p * 3 + c] & 0xff) / 255f - 0.5f) / 0.5f;
                if (Float.floatToRawIntBits(chw[c * plane + p]) != Float.floatToRawIntBits(expected)) {
                    throw new AssertionError("pixel " + p + " channel " + c + ": " + chw[c * plane + p] + " != "
                            + expected);
                }
            }
        }
        assertThat(java.util.stream.IntStream.range(0, rgb.length).map(i -> rgb[i] & 0xff).distinct().count())
                .as("the image holds every byte value").isEqualTo(256);
    }

    @Test
    void preprocessMapsBlackToMinusOneAndWhiteToOne() {
        byte[] rgb = new byte[256 * 256 * 3];
        rgb[0] = (byte) 255;

        float[] chw = RegionEncoder.preprocess(rgb, 256, 256);

        assertThat(chw[0]).isEqualTo(1f);
        assertThat(chw[1]).isEqualTo(-1f);
    }

    @Test
    void preprocessRefusesImagesBelowOnePatchOrWithTheWrongByteCount() {
        assertThatThrownBy(() -> RegionEncoder.preprocess(new byte[255 * 300 * 3], 300, 255))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("256");
        assertThatThrownBy(() -> RegionEncoder.preprocess(new byte[10], 256, 256))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("RGB bytes");
    }

    @Test
    void cls256IsRowMajorOverThePatchGridOfANonSquareRegion() {
        int rows = 2;
        int cols = 3;
        byte[] rgb = noise(256 * cols, 256 * rows, 4);

        RegionEmbedding region = encoder.encode(rgb, 256 * cols, 256 * rows, false);

        assertThat(region.cls256()).hasSize(rows * cols * 32);
        float[] chw = RegionEncoder.preprocess(rgb, 256 * cols, 256 * rows);
        for (int r = 0; r < rows; r++) {
            for (int c = 0; c < cols; c++) {
                float[] patch = crop(chw, 256 * cols, 256 * rows, r, c);
                float[] cls = encoder.encodePatch(patch).cls();
                for (int d = 0; d < 32; d++) {
                    assertThat(region.cls256()[(r * cols + c) * 32 + d]).as("patch (%d,%d) dim %d", r, c, d)
                            .isCloseTo(cls[d], within(1e-5f));
                }
            }
        }
    }

    @Test
    void patchesBatchedAcrossRegionsGiveTheSameEmbeddingsAsOneAtATime() {
        List<float[]> regions = regions(3, 512, 7);

        List<RegionEmbedding> batched = encoder.encodePreprocessed(regions, 512, true);
        List<RegionEmbedding> single = batchOfOne.encodePreprocessed(regions, 512, true);

        assertThat(batched).hasSize(3);
        for (int i = 0; i < 3; i++) {
            assertClose(batched.get(i).cls256(), single.get(i).cls256());
            assertClose(batched.get(i).cls4k(), single.get(i).cls4k());
            assertClose(batched.get(i).attention4k(), single.get(i).attention4k());
        }
    }

    @Test
    void mean256IsTheMeanOfThePatchTokensAndAttentionComesOnRequest() {
        List<float[]> regions = regions(1, 512, 8);

        RegionEmbedding with = encoder.encodePreprocessed(regions, 512, true).get(0);
        RegionEmbedding without = encoder.encodePreprocessed(regions, 512, false).get(0);

        for (int d = 0; d < 32; d++) {
            double sum = 0;
            for (int p = 0; p < 4; p++) {
                sum += with.cls256()[p * 32 + d];
            }
            assertThat(with.mean256()[d]).isCloseTo((float) (sum / 4), within(1e-6f));
        }
        assertThat(with.cls4k()).hasSize(24);
        assertThat(without.attention4k()).isNull();
        assertThat(with.attention4k()).hasSize(2 * 4);
        for (int h = 0; h < 2; h++) {
            double rowSum = 0;
            for (int p = 0; p < 4; p++) {
                rowSum += with.attention4k()[h * 4 + p];
            }
            assertThat(rowSum).as("CLS attention to patches of head %d (the rest goes to CLS itself)", h)
                    .isBetween(0.0, 1.0);
        }
    }

    @Test
    void concurrentCallsGiveTheSameResultsAsSequentialOnes() throws Exception {
        List<float[]> regions = regions(2, 256, 9);
        float[] expected = encoder.encodePreprocessed(regions, 256, false).get(1).cls4k();
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            List<Future<float[]>> futures = new ArrayList<>();
            for (int i = 0; i < 8; i++) {
                futures.add(pool.submit(() -> encoder.encodePreprocessed(regions, 256, false).get(1).cls4k()));
            }
            for (Future<float[]> f : futures) {
                assertClose(f.get(), expected);
            }
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void refusesRegionsWhoseSizeDoesNotMatch() {
        assertThatThrownBy(() -> encoder.encodePreprocessed(List.of(new float[3 * 256 * 256]), 512, false))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("floats");
        assertThatThrownBy(() -> encoder.encodePreprocessed(List.of(new float[3 * 300 * 300]), 300, false))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("multiples of 256");
    }

    @Test
    void runsOnTheCpuWhenAsked() {
        assertThat(encoder.device()).isEqualTo("cpu");
    }

    @Test
    void askingForAGpuThatIsNotThereIsAClearError() {
        assumeTrue(Engine.getEngine("PyTorch").getGpuCount() == 0, "a GPU is present: nothing to refuse");

        assertThatThrownBy(() -> RegionEncoder.random(1, 1, 1, new ModelOptions(DevicePreference.GPU, 4)))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("hipt.model.device=gpu")
                .hasMessageContaining("no GPU");
    }

    @Test
    void randomWeightsHaveTheOfficialDepthsAndAreSeeded() {
        try (RegionEncoder a = RegionEncoder.random(42, ModelOptions.defaults())) {
            assertThat(a.vit256Depth()).isEqualTo(12);
            assertThat(a.vit4kDepth()).isEqualTo(6);
        }
        StateDict first = VisionTransformer.vit4k(1).randomStateDict(42);
        StateDict second = VisionTransformer.vit4k(1).randomStateDict(42);
        StateDict other = VisionTransformer.vit4k(1).randomStateDict(43);
        assertThat(first.get("blocks.0.attn.qkv.weight").data())
                .containsExactly(second.get("blocks.0.attn.qkv.weight").data())
                .isNotEqualTo(other.get("blocks.0.attn.qkv.weight").data());
    }

    @Test
    void parsesTheDeviceSetting() {
        assertThat(ModelOptions.parseDevice("GPU")).isEqualTo(DevicePreference.GPU);
        assertThat(ModelOptions.parseDevice(" cpu ")).isEqualTo(DevicePreference.CPU);
        assertThat(ModelOptions.parseDevice(null)).isEqualTo(DevicePreference.AUTO);
        assertThatThrownBy(() -> ModelOptions.parseDevice("tpu")).isInstanceOf(IllegalArgumentException.class);
    }

    private static void assertClose(float[] actual, float[] expected) {
        assertThat(actual).hasSize(expected.length);
        for (int i = 0; i < expected.length; i++) {
            assertThat(actual[i]).as("element %d", i).isCloseTo(expected[i], within(1e-5f));
        }
    }

    static List<float[]> regions(int count, int side, long seed) {
        List<float[]> out = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            byte[] rgb = noise(side, side, seed + i);
            out.add(RegionEncoder.preprocess(rgb, side, side));
        }
        return out;
    }

    static byte[] noise(int width, int height, long seed) {
        byte[] rgb = new byte[width * height * 3];
        new Random(seed).nextBytes(rgb);
        return rgb;
    }

    private static byte[] gradient(int width, int height) {
        byte[] rgb = new byte[width * height * 3];
        for (int y = 0; y < height; y++) {
            for (int x = 0; x < width; x++) {
                int o = (y * width + x) * 3;
                rgb[o] = (byte) x;
                rgb[o + 1] = (byte) y;
                rgb[o + 2] = (byte) (x + y);
            }
        }
        return rgb;
    }

    private static float[] crop(float[] chw, int width, int height, int r, int c) {
        float[] out = new float[3 * 256 * 256];
        for (int ch = 0; ch < 3; ch++) {
            for (int y = 0; y < 256; y++) {
                System.arraycopy(chw, ch * width * height + (r * 256 + y) * width + c * 256, out,
                        ch * 65536 + y * 256, 256);
            }
        }
        return out;
    }
}
