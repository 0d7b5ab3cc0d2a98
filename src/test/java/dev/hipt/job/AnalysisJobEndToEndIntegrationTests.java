package dev.hipt.job;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.hipt.ServiceIntegrationTestSupport;
import dev.hipt.results.Provenance;
import dev.hipt.results.RegionResult;
import dev.hipt.results.RegionResults;
import dev.hipt.results.SlideResult;
import dev.hipt.results.StoredRegion;
import dev.hipt.storage.BlobStore;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.beans.factory.annotation.Qualifier;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.TestConfiguration;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Import;
import org.springframework.context.annotation.Primary;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.test.context.ContextConfiguration;

/**
 * One analysis through the real parts: the fixture slide from the blob store, tissue, grid and region reads of the
 * {@code wsi} package, HIPT on the shared fixture checkpoints (2 + 2 blocks), both slide heads, and the results
 * feature's database rows and {@code .npy} blobs. The region's embeddings read back from storage and the heads'
 * logits must equal what the official HIPT code computed for the same region (max |diff| <= 1e-4).
 */
@SpringBootTest(properties = {
        "spring.datasource.url=jdbc:h2:mem:jobs-e2e-${random.uuid};DB_CLOSE_DELAY=-1",
        "hipt.model.vit256-checkpoint=${hipt.reference.dir}/vit256.pth",
        "hipt.model.vit4k-checkpoint=${hipt.reference.dir}/vit4k.pth",
        "hipt.model.subtype-checkpoint=${hipt.reference.dir}/slide_subtype.pt",
        "hipt.model.subtype-classes=A,B,C",
        "hipt.model.survival-checkpoint=${hipt.reference.dir}/slide_survival.pt",
        "hipt.model.device=cpu",
        // the reference contract (1e-4) is float32's; the compiled path (the default) runs it
        "hipt.model.precision=fp32",
        "hipt.job.polling-interval=200ms"})
@ContextConfiguration(initializers = ServiceIntegrationTestSupport.FreshDataDirectory.class)
@Import(AnalysisJobEndToEndIntegrationTests.Results.class)
class AnalysisJobEndToEndIntegrationTests {

    private static final double TOLERANCE = 1e-4;
    private static final Path REFERENCE = Path.of(System.getProperty("hipt.reference.dir",
            "../shared/fixtures/hipt-reference"));

    /** The real result storage, remembering the slide-level result it was given. */
    @TestConfiguration(proxyBeanMethods = false)
    static class Results {
        @Bean
        @Primary
        RecordingRegionResults recordingRegionResults(@Qualifier("jdbcRegionResults") RegionResults real) {
            return new RecordingRegionResults(real);
        }
    }

    static final class RecordingRegionResults implements RegionResults {
        private final RegionResults real;
        private final Map<UUID, SlideResult> slides = new ConcurrentHashMap<>();

        RecordingRegionResults(RegionResults real) {
            this.real = real;
        }

        @Override
        public List<StoredRegion> storedRegions(UUID slideId, String modelVersion) {
            return real.storedRegions(slideId, modelVersion);
        }

        @Override
        public void store(UUID slideId, Provenance provenance, UUID jobId, RegionResult region) {
            real.store(slideId, provenance, jobId, region);
        }

        @Override
        public void relocate(UUID slideId, String modelVersion, StoredRegion region, int index,
                             double tissueFraction) {
            real.relocate(slideId, modelVersion, region, index, tissueFraction);
        }

        @Override
        public void drop(UUID slideId, String modelVersion, StoredRegion region) {
            real.drop(slideId, modelVersion, region);
        }

        @Override
        public List<RegionResult> load(UUID slideId, String modelVersion, boolean withCls256) {
            return real.load(slideId, modelVersion, withCls256);
        }

        @Override
        public List<String> modelVersions(UUID slideId) {
            return real.modelVersions(slideId);
        }

        @Override
        public void storeSlide(UUID slideId, Provenance provenance, SlideResult result) {
            real.storeSlide(slideId, provenance, result);
            slides.put(slideId, result);
        }

        @Override
        public void deleteForSlide(UUID slideId) {
            real.deleteForSlide(slideId);
        }

        SlideResult slideResult(UUID slideId) {
            return slides.get(slideId);
        }
    }

    @Autowired
    AnalysisJobs jobs;
    @Autowired
    BlobStore blobs;
    @Autowired
    RecordingRegionResults results;
    @Autowired
    ModelProvider models;
    @Autowired
    JdbcClient jdbc;

    @BeforeAll
    static void needsFixtures() {
        Assumptions.assumeTrue(Files.isRegularFile(REFERENCE.resolve("vit256.pth"))
                && Files.isRegularFile(REFERENCE.resolve("small_HE.svs")),
                "HIPT reference fixtures absent at " + REFERENCE.toAbsolutePath() + ": skipping");
    }

    @Test
    void analysesTheFixtureSlideAsTheOfficialHiptCodeDoes() throws IOException {
        String blobKey = "slides/e2e/small_HE.svs";
        try (InputStream in = Files.newInputStream(REFERENCE.resolve("small_HE.svs"))) {
            blobs.put(blobKey, in);
        }
        UUID slideId = UUID.randomUUID();
        jdbc.sql("""
                        insert into slides (id, filename, sha256, size_bytes, blob_key, file_format, width, height,
                            mpp_source, created_at, updated_at)
                        values (:id, 'small_HE.svs', :sha, 1, :blob, 'aperio', 2220, 2967, 'FILE', :now, :now)""")
                .param("id", slideId).param("sha", "e2e".repeat(21) + "0").param("blob", blobKey)
                .param("now", OffsetDateTime.now()).update();

        JobView job = jobs.submit(new AnalysisRequest(slideId, blobKey, null));
        JobView done = await().atMost(Duration.ofMinutes(5)).pollInterval(Duration.ofMillis(500))
                .until(() -> jobs.find(job.id()).orElseThrow(), j -> j.status().isFinal());

        assertThat(done.status()).as("job %s", done).isEqualTo(JobStatus.SUCCEEDED);
        assertThat(done.progress()).isEqualTo(new JobView.Progress(1, 1, 256, 256, 0L)); // 16 x 16 patches
        String version = models.models().provenance().modelVersion();
        List<RegionResult> regions = results.load(slideId, version, true);
        assertThat(regions).hasSize(1);
        RegionResult region = regions.get(0);
        assertThat(List.of(region.x(), region.y(), region.width(), region.height())).containsExactly(0L, 0L, 4096L,
                4096L);
        assertThat(region.tissueFraction()).isPositive();
        assertClose(region.cls4k(), npy("region4096_cls4k.npy"));
        assertClose(region.mean256(), npy("region4096_mean256.npy"));
        assertClose(region.cls256(), npy("region4096_cls256.npy"));

        SlideResult slide = results.slideResult(slideId);
        assertThat(slide.regions()).isEqualTo(1);
        assertClose(slide.meanCls4k(), npy("region4096_cls4k.npy"));
        assertClose(slide.subtype().logits(), npy("region4096_slide_subtype_logits.npy"));
        assertThat(slide.subtype().classes()).containsExactly("A", "B", "C");
        assertClose(slide.survival().logits(), npy("region4096_slide_survival_logits.npy"));
    }

    private static void assertClose(float[] actual, float[] expected) {
        assertThat(actual).hasSameSizeAs(expected);
        double max = 0;
        for (int i = 0; i < actual.length; i++) {
            max = Math.max(max, Math.abs(actual[i] - expected[i]));
        }
        assertThat(max).as("max |diff|").isLessThanOrEqualTo(TOLERANCE);
    }

    /** A little-endian float32 .npy file, C order. */
    private static float[] npy(String name) throws IOException {
        ByteBuffer bytes = ByteBuffer.wrap(Files.readAllBytes(REFERENCE.resolve(name))).order(ByteOrder.LITTLE_ENDIAN);
        int major = bytes.get(6);
        int headerLength = major == 1 ? Short.toUnsignedInt(bytes.getShort(8)) : bytes.getInt(8);
        int offset = major == 1 ? 10 : 12;
        String header = new String(bytes.array(), offset, headerLength, StandardCharsets.US_ASCII);
        if (!header.contains("'<f4'") || header.contains("'fortran_order': True")) {
            throw new IOException(name + " is not little-endian float32 in C order: " + header);
        }
        bytes.position(offset + headerLength);
        float[] values = new float[bytes.remaining() / 4];
        bytes.asFloatBuffer().get(values);
        return values;
    }
}
