package dev.hipt.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.hipt.wsi.RgbImage;
import dev.hipt.wsi.WholeSlideImage;
import dev.hipt.wsi.WholeSlideImages;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.TestInstance;

/**
 * The compiled path in bfloat16 and float16 against the compiled path in float32, with the reference fixtures'
 * checkpoints: every ViT-256 CLS vector, the mean256 and the ViT-4K CLS vector of a region reach cosine >= 0.9999,
 * on the fixture images (256 and 1024 px; the fixture's 4096 region is mostly black padding, so it is left out to
 * keep the test short) and on a 4096 x 4096 region of real H&E tissue (small_HE.svs, 2220 x 2967 px, mirrored to
 * fill it as {@code make-test-slide.sh} does). Each region is encoded once per precision. bf16 runs on any CPU
 * (slowly without AMX / AVX512-BF16).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class CompiledPrecisionTests {

    static final double MIN_COSINE = 0.9999;
    private static final int SIDE = 4096;

    private final Map<Precision, RegionEncoder> encoders = new EnumMap<>(Precision.class);
    private final Map<String, ReferenceConformanceTests.Rgb> regions = new LinkedHashMap<>();
    private final Map<String, RegionEmbedding> fp32 = new LinkedHashMap<>();
    private Path reference;

    @BeforeAll
    void load() {
        reference = Path.of(System.getProperty("hipt.reference.dir", "../shared/fixtures/hipt-reference"));
        Path slide = Path.of(System.getProperty("hipt.shared.dir", "../shared"), "fixtures", "slides", "small_HE.svs");
        if (!Files.isRegularFile(reference.resolve("vit256.pth")) || !Files.isRegularFile(slide)
                || !WholeSlideImages.openSlideAvailable()) {
            return;
        }
        StateDict w256 = CheckpointReader.read(reference.resolve("vit256.pth"));
        StateDict w4k = CheckpointReader.read(reference.resolve("vit4k.pth"));
        for (Precision p : List.of(Precision.FP32, Precision.BF16, Precision.FP16)) {
            encoders.put(p, RegionEncoder.load(w256, w4k, new ModelOptions(DevicePreference.CPU, 64, true, p)));
        }
        regions.put("fixture region1024", ReferenceConformanceTests.rgb(reference.resolve("region1024_x1000_y1000.png")));
        regions.put("fixture image256", ReferenceConformanceTests.rgb(reference.resolve("image_256.png")));
        regions.put("small_HE tissue 4096", tissue(slide));
    }

    /** small_HE.svs at level 0, mirrored left-right and top-bottom into a seamless 4096 x 4096 region. */
    private static ReferenceConformanceTests.Rgb tissue(Path slide) {
        try (WholeSlideImage image = WholeSlideImages.open(slide)) {
            int w = (int) image.levels().get(0).width();
            int h = (int) image.levels().get(0).height();
            RgbImage src = image.readRegion(0, 0, 0, w, h);
            byte[] out = new byte[SIDE * SIDE * 3];
            for (int y = 0; y < SIDE; y++) {
                int sy = (y / h) % 2 == 0 ? y % h : h - 1 - y % h;
                for (int x = 0; x < SIDE; x++) {
                    int sx = (x / w) % 2 == 0 ? x % w : w - 1 - x % w;
                    System.arraycopy(src.rgb(), (sy * w + sx) * 3, out, (y * SIDE + x) * 3, 3);
                }
            }
            return new ReferenceConformanceTests.Rgb(out, SIDE, SIDE);
        }
    }

    @AfterAll
    void close() {
        encoders.values().forEach(RegionEncoder::close);
    }

    @TestFactory
    Stream<DynamicTest> bf16AndFp16ReachCosineOfFp32OnEveryVector() {
        if (encoders.isEmpty()) {
            return Stream.of(DynamicTest.dynamicTest("fixtures", () -> assumeTrue(false,
                    "reference fixtures, small_HE.svs or OpenSlide absent: skipping")));
        }
        List<DynamicTest> tests = new ArrayList<>();
        for (Precision p : List.of(Precision.BF16, Precision.FP16)) {
            for (String name : regions.keySet()) {
                tests.add(DynamicTest.dynamicTest(p.label() + " " + name, () -> {
                    RegionEncoder encoder = encoders.get(p);
                    assertThat(encoder.precision()).isEqualTo(p);
                    RegionEmbedding expected = reference32(name);
                    RegionEmbedding actual = encode(encoder, name);
                    int d = expected.mean256().length;
                    double worst = 1;
                    double maxDiff = 0;
                    for (int i = 0; i < expected.cls256().length / d; i++) {
                        worst = Math.min(worst, cosine(actual.cls256(), expected.cls256(), i * d, d));
                    }
                    worst = Math.min(worst, cosine(actual.mean256(), expected.mean256(), 0, d));
                    worst = Math.min(worst, cosine(actual.cls4k(), expected.cls4k(), 0, expected.cls4k().length));
                    for (int i = 0; i < expected.cls256().length; i++) {
                        maxDiff = Math.max(maxDiff, Math.abs(actual.cls256()[i] - expected.cls256()[i]));
                    }
                    System.out.printf("%s %-22s worst cosine to fp32 %.7f, max|diff| cls256 %.3e%n", p.label(), name,
                            worst, maxDiff);
                    assertThat(maxDiff).as("%s differs from fp32 at all (it really ran in %s)", p.label(), p.label())
                            .isGreaterThan(1e-5);
                    assertThat(worst).as("%s %s: worst cosine to fp32 of any vector", p.label(), name)
                            .isGreaterThanOrEqualTo(MIN_COSINE);
                }));
            }
        }
        return tests.stream();
    }

    private RegionEmbedding reference32(String name) {
        return fp32.computeIfAbsent(name, n -> encode(encoders.get(Precision.FP32), n));
    }

    private RegionEmbedding encode(RegionEncoder encoder, String name) {
        ReferenceConformanceTests.Rgb rgb = regions.get(name);
        return encoder.encode(rgb.bytes(), rgb.width(), rgb.height(), false);
    }

    private static double cosine(float[] a, float[] b, int offset, int length) {
        double dot = 0;
        double na = 0;
        double nb = 0;
        for (int i = offset; i < offset + length; i++) {
            dot += (double) a[i] * b[i];
            na += (double) a[i] * a[i];
            nb += (double) b[i] * b[i];
        }
        return dot / Math.sqrt(na * nb);
    }
}
