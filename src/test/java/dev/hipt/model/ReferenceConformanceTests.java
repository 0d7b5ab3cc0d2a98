package dev.hipt.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import java.util.stream.Stream;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.TestInstance;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.ObjectMapper;

/**
 * Every output that {@code manifest.json} of the reference fixtures lists, computed by our models from the inputs and
 * checkpoints listed there, equals the official HIPT code's output within max|diff| <= 1e-4 and cosine >= 0.99999.
 * The fixture folder is the system property {@code hipt.reference.dir}; without it the tests are skipped.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ReferenceConformanceTests {

    static final double MAX_ABS_DIFF = 1e-4;
    static final double MIN_COSINE = 0.99999;

    private Path dir;
    private JsonNode manifest;
    private RegionEncoder encoder;
    private SlideHead subtypeHead;
    private SlideHead survivalHead;
    private final Map<String, Object> cache = new LinkedHashMap<>();

    @BeforeAll
    void loadFixtures() throws IOException {
        dir = Path.of(System.getProperty("hipt.reference.dir", "../shared/fixtures/hipt-reference"));
        if (!fixturesPresent()) {
            return;
        }
        manifest = new ObjectMapper().readTree(dir.resolve("manifest.json").toFile());
        ModelOptions cpu = new ModelOptions(DevicePreference.CPU, 64);
        encoder = RegionEncoder.load(CheckpointReader.read(checkpoint("vit256.pth")),
                CheckpointReader.read(checkpoint("vit4k.pth")), cpu);
        subtypeHead = SlideHead.load(CheckpointReader.read(checkpoint("slide_subtype.pt")), cpu);
        survivalHead = SlideHead.load(CheckpointReader.read(checkpoint("slide_survival.pt")), cpu);
    }

    @AfterAll
    void close() {
        for (AutoCloseable c : new AutoCloseable[] {encoder, subtypeHead, survivalHead}) {
            if (c != null) {
                try {
                    c.close();
                } catch (Exception ignored) {
                    // nothing to do in a test
                }
            }
        }
    }

    private Path checkpoint(String name) {
        assertThat(manifest.path("checkpoints").has(name)).as("manifest lists checkpoint %s", name).isTrue();
        return dir.resolve(name);
    }

    private boolean fixturesPresent() {
        return Files.isRegularFile(dir.resolve("manifest.json"));
    }

    @TestFactory
    Stream<DynamicTest> everyManifestOutputMatchesTheReference() {
        if (!fixturesPresent()) {
            return Stream.of(DynamicTest.dynamicTest("reference fixtures", () -> assumeTrue(false,
                    "HIPT reference fixtures absent at " + dir.toAbsolutePath() + " (set -Dhipt.reference.dir): skipping")));
        }
        List<DynamicTest> tests = new ArrayList<>();
        for (Map.Entry<String, JsonNode> e : manifest.path("outputs").properties()) {
            String name = e.getKey();
            JsonNode spec = e.getValue();
            tests.add(DynamicTest.dynamicTest(name, () -> {
                float[] expected;
                if (spec.has("file")) {
                    Tensor t = Npy.read(dir.resolve(spec.path("file").asString()));
                    expected = t.data();
                    if (spec.has("shape")) {
                        long[] shape = new long[spec.path("shape").size()];
                        for (int i = 0; i < shape.length; i++) {
                            shape[i] = spec.path("shape").get(i).asLong();
                        }
                        assertThat(t.shape()).as("%s shape in the .npy file", name).containsExactly(shape);
                    }
                } else {
                    expected = new float[] {(float) spec.path("value").asDouble()};
                }
                float[] actual = compute(name);
                assertClose(name, actual, expected);
            }));
        }
        assertThat(tests).as("manifest outputs").isNotEmpty();
        return tests.stream();
    }

    @Test
    void regionAttentionOfBothViTsMatchesTheReferenceAndThePerPatchPass() throws IOException {
        assumeTrue(fixturesPresent(), "HIPT reference fixtures absent at " + dir.toAbsolutePath() + ": skipping");
        Rgb img = rgb(input("region4096"));
        RegionAttention attention = encoder.attention(RegionEncoder.preprocess(img.bytes(), img.width(),
                img.height()), img.width());

        assertClose("attention().attention4k", attention.attention4k(),
                Npy.read(dir.resolve("region4096_attn4k_cls.npy")).data());
        assertClose("attention4k(stored cls256)",
                encoder.attention4k(List.of(Npy.read(dir.resolve("region4096_cls256.npy")).data())).get(0),
                Npy.read(dir.resolve("region4096_attn4k_cls.npy")).data());
        // patch 17 (row 1, column 1) through ViT-256 alone gives the same 6 x 256 map as the batched region pass
        int p = 17;
        byte[] patch = new byte[256 * 256 * 3];
        for (int y = 0; y < 256; y++) {
            System.arraycopy(img.bytes(), ((256 + y) * img.width() + 256) * 3, patch, y * 256 * 3, 256 * 3);
        }
        float[] alone = encoder.encodePatch(RegionEncoder.preprocess(patch, 256, 256)).attention();
        float[] batched = java.util.Arrays.copyOfRange(attention.attention256(), p * 6 * 256, (p + 1) * 6 * 256);
        assertClose("attention256 of patch 17", batched, alone);
    }

    static void assertClose(String name, float[] actual, float[] expected) {
        assertThat(actual).as("%s length", name).hasSize(expected.length);
        double maxDiff = 0;
        double dot = 0;
        double na = 0;
        double ne = 0;
        for (int i = 0; i < expected.length; i++) {
            maxDiff = Math.max(maxDiff, Math.abs((double) actual[i] - expected[i]));
            dot += (double) actual[i] * expected[i];
            na += (double) actual[i] * actual[i];
            ne += (double) expected[i] * expected[i];
        }
        double cosine = dot / Math.sqrt(na * ne);
        System.out.printf("%-36s max|diff| %.3e  cosine %.9f%n", name, maxDiff, cosine);
        assertThat(maxDiff).as("%s max|diff|", name).isLessThanOrEqualTo(MAX_ABS_DIFF);
        assertThat(cosine).as("%s cosine", name).isGreaterThanOrEqualTo(MIN_COSINE);
    }

    private float[] compute(String output) throws IOException {
        return switch (output) {
            case "image256_cls256" -> image256().cls();
            case "image256_attn_cls" -> image256().attention();
            case "region1024_cls256" -> region("region1024").cls256();
            case "region1024_cls4k" -> region("region1024").cls4k();
            case "region1024_mean256" -> region("region1024").mean256();
            case "region1024_attn4k_cls" -> region("region1024").attention4k();
            case "region4096_cls256" -> region("region4096").cls256();
            case "region4096_mean256" -> region("region4096").mean256();
            case "region4096_cls4k" -> region("region4096").cls4k();
            case "region4096_attn4k_cls" -> region("region4096").attention4k();
            case "region4096_slide_subtype_logits" -> subtypeHead.logits(List.of(region("region4096").cls256()));
            case "region4096_slide_survival_logits" -> survivalHead.logits(List.of(region("region4096").cls256()));
            case "slide_subtype_logits" -> subtype().logits();
            case "slide_subtype_probs" -> subtype().probabilities();
            case "slide_survival_logits" -> survival().logits();
            case "slide_survival_hazards" -> survival().hazards();
            case "slide_survival_curve" -> survival().survival();
            case "slide_survival_risk" -> new float[] {(float) survival().risk()};
            default -> throw new AssertionError("no computation known for manifest output '" + output + "'");
        };
    }

    private RegionEncoder.Vit256Output image256() {
        return cached("image256", () -> {
            Rgb img = rgb(input("image256"));
            return encoder.encodePatch(RegionEncoder.preprocess(img.bytes(), img.width(), img.height()));
        });
    }

    private RegionEmbedding region(String input) {
        return cached(input, () -> {
            Rgb img = rgb(input(input));
            return encoder.encode(img.bytes(), img.width(), img.height(), true);
        });
    }

    private List<float[]> slideRegions() {
        return cached("slide_x256", () -> {
            Tensor x = npy(input("slide_x256"));
            int m = (int) x.shape()[0];
            int len = (int) (x.shape()[1] * x.shape()[2]);
            List<float[]> regions = new ArrayList<>();
            for (int i = 0; i < m; i++) {
                float[] r = new float[len];
                System.arraycopy(x.data(), i * len, r, 0, len);
                regions.add(r);
            }
            return regions;
        });
    }

    private SubtypePrediction subtype() {
        List<String> classes = new ArrayList<>();
        for (int i = 0; i < subtypeHead.outputs(); i++) {
            classes.add("class" + i);
        }
        return cached("subtype", () -> subtypeHead.subtype(slideRegions(), classes));
    }

    private SurvivalPrediction survival() {
        return cached("survival", () -> survivalHead.survival(slideRegions()));
    }

    private Path input(String name) {
        JsonNode node = manifest.path("inputs").path(name);
        assertThat(node.has("file")).as("manifest input %s", name).isTrue();
        return dir.resolve(node.path("file").asString());
    }

    @SuppressWarnings("unchecked")
    private <T> T cached(String key, Supplier<T> compute) {
        Object v = cache.get(key);
        if (v == null) {
            v = compute.get();
            cache.put(key, v);
        }
        return (T) v;
    }

    record Rgb(byte[] bytes, int width, int height) {
    }

    static Rgb rgb(Path png) {
        try {
            BufferedImage image = ImageIO.read(png.toFile());
            assertThat(image).as("decodable image %s", png).isNotNull();
            int w = image.getWidth();
            int h = image.getHeight();
            byte[] out = new byte[w * h * 3];
            int[] row = new int[w];
            for (int y = 0; y < h; y++) {
                image.getRGB(0, y, w, 1, row, 0, w);
                for (int x = 0; x < w; x++) {
                    int p = row[x];
                    int o = (y * w + x) * 3;
                    out[o] = (byte) (p >> 16);
                    out[o + 1] = (byte) (p >> 8);
                    out[o + 2] = (byte) p;
                }
            }
            return new Rgb(out, w, h);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    static Tensor npy(Path file) {
        try {
            return Npy.read(file);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }
}
