package dev.hipt.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * On x86-64 in float32 the compiled path really runs its Linear layers as oneDNN inner products on weights prepacked
 * at load (the stem's included), and that gives what {@code torch.linear} gives: the same region through the tiny
 * ViTs with oneDNN on and off, every output within 1e-5.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class CompiledPrepackTests {

    private static final int SIDE = 1024;

    private RegionEncoder onednn;
    private RegionEncoder plain;
    private RegionEncoder splitCls;

    @BeforeAll
    void load() {
        String arch = System.getProperty("os.arch");
        assumeTrue("amd64".equals(arch) || "x86_64".equals(arch), "oneDNN prepacking is x86-64 only, not " + arch);
        VisionTransformer v256 = TinyModels.vit256();
        VisionTransformer v4k = TinyModels.vit4k();
        StateDict w256 = v256.randomStateDict(3);
        StateDict w4k = v4k.randomStateDict(4);
        ModelOptions fp32 = new ModelOptions(DevicePreference.CPU, 16, true, Precision.FP32);
        onednn = RegionEncoder.of(v256, w256, v4k, w4k, fp32, Fusions.ALL);
        plain = RegionEncoder.of(v256, w256, v4k, w4k, fp32, Fusions.ALL.withOnednn(false));
        splitCls = RegionEncoder.of(v256, w256, v4k, w4k, fp32, new Fusions(true, true, true, true, true));
    }

    @AfterAll
    void close() {
        if (onednn != null) {
            onednn.close();
            plain.close();
            splitCls.close();
        }
    }

    @Test
    void prepacksEveryLinearWeightOfBothVitsIncludingTheStem() {
        // Blocks before the last: qkv, proj, fc1, fc2; the last block: q, kv, proj, fc1, fc2; then the stem.
        int perVit = 4 * (2 - 1) + 5 + 1;
        assertThat(onednn.prepackedWeights()).containsExactly(perVit, perVit);
        assertThat(plain.prepackedWeights()).containsExactly(0, 0);
    }

    @Test
    void prepackedOneDnnPathGivesWhatTorchLinearGives() {
        float[] chw = region();
        RegionEmbedding a = onednn.encodePreprocessed(List.of(chw), SIDE, true).get(0);
        RegionEmbedding b = plain.encodePreprocessed(List.of(chw), SIDE, true).get(0);
        assertThat(maxAbsDiff(a.cls256(), b.cls256())).as("cls256").isLessThanOrEqualTo(1e-5);
        assertThat(maxAbsDiff(a.mean256(), b.mean256())).as("mean256").isLessThanOrEqualTo(1e-5);
        assertThat(maxAbsDiff(a.cls4k(), b.cls4k())).as("cls4k").isLessThanOrEqualTo(1e-5);
        assertThat(maxAbsDiff(a.attention4k(), b.attention4k())).as("attention4k").isLessThanOrEqualTo(1e-5);
        assertThat(a.cls4k()).as("a real output, not zeros").isNotEqualTo(new float[a.cls4k().length]);
    }

    @Test
    void theClsQueryAttendingApartGivesWhatOneSdpaCallGives() {
        float[] chw = region();
        RegionEmbedding joint = onednn.encodePreprocessed(List.of(chw), SIDE, true).get(0);
        RegionEmbedding split = splitCls.encodePreprocessed(List.of(chw), SIDE, true).get(0);
        assertThat(maxAbsDiff(split.cls256(), joint.cls256())).as("cls256").isLessThanOrEqualTo(1e-5);
        assertThat(maxAbsDiff(split.cls4k(), joint.cls4k())).as("cls4k").isLessThanOrEqualTo(1e-5);
        assertThat(maxAbsDiff(split.attention4k(), joint.attention4k())).as("attention4k").isLessThanOrEqualTo(1e-5);
    }

    private static float[] region() {
        Random random = new Random(5);
        float[] chw = new float[3 * SIDE * SIDE];
        for (int i = 0; i < chw.length; i++) {
            chw[i] = random.nextFloat() * 2 - 1;
        }
        return chw;
    }

    private static double maxAbsDiff(float[] a, float[] b) {
        assertThat(a).hasSameSizeAs(b);
        double max = 0;
        for (int i = 0; i < a.length; i++) {
            max = Math.max(max, Math.abs(a[i] - b[i]));
        }
        return max;
    }
}
