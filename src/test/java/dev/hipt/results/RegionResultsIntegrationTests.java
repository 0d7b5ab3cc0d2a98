package dev.hipt.results;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.hipt.PostgresTestDatabase;
import dev.hipt.model.SubtypePrediction;
import dev.hipt.model.SurvivalPrediction;
import java.io.InputStream;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.UUID;
import javax.sql.DataSource;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.jdbc.core.simple.JdbcClient;

/** The results repository on both databases the service supports, through the project's own migrations. */
class RegionResultsIntegrationTests {

    static final Provenance V1 = new Provenance("abc123def456", false,
            Map.of("vit256", "a".repeat(64), "vit4k", "b".repeat(64)));
    static final Provenance V2 = new Provenance("0123456789ab", false, Map.of("vit256", "c".repeat(64)));

    @Nested
    @TestInstance(TestInstance.Lifecycle.PER_CLASS)
    class OnH2 extends Contract {

        @BeforeAll
        void database() {
            dataSource = ResultsTestDatabase.h2();
            ResultsTestDatabase.migrate(dataSource);
        }
    }

    /** On the PostgreSQL server the service's integration tests share ({@link PostgresTestDatabase}). */
    @Nested
    @TestInstance(TestInstance.Lifecycle.PER_CLASS)
    class OnPostgres extends Contract {

        @BeforeAll
        void database() {
            dataSource = ResultsTestDatabase.postgres();
            ResultsTestDatabase.migrate(dataSource);
        }
    }

    abstract static class Contract {

        DataSource dataSource;
        JdbcClient jdbc;
        TempDirBlobStore blobs;
        JdbcRegionResults results;
        UUID slide;

        @BeforeEach
        void setUp(@TempDir Path blobRoot) {
            jdbc = JdbcClient.create(dataSource);
            blobs = new TempDirBlobStore(blobRoot);
            results = new JdbcRegionResults(jdbc, blobs);
            slide = UUID.randomUUID();
            ResultsTestDatabase.insertSlide(jdbc, slide);
        }

        @Test
        void storingTheSameRegionTwiceKeepsOneRowAndOneBlob() throws Exception {
            results.store(slide, V1, region(3, 1));
            RegionResult again = region(3, 2);
            results.store(slide, V1, again);

            assertThat(rows("region_embedding")).isEqualTo(1);
            assertThat(blobs.keys()).containsExactly("results/" + slide + "/abc123def456/region-12288-8192-4096x4096.npy");
            RegionResult loaded = results.load(slide, V1.modelVersion(), true).get(0);
            assertThat(loaded.cls4k()).containsExactly(again.cls4k());
            assertThat(loaded.cls256()).isEqualTo(again.cls256());
            try (InputStream in = blobs.open(blobs.keys().get(0))) {
                assertThat(Npy.readHeader(in)).containsExactly(256, 384);
            }
        }

        @Test
        void storedRegionsAreCountedPerModelVersion() {
            results.store(slide, V1, region(0, 1));
            results.store(slide, V1, region(2, 2));
            results.store(slide, V2, region(1, 3));

            assertThat(results.storedRegions(slide, V1.modelVersion())).extracting(StoredRegion::index)
                    .containsExactly(0, 2);
            assertThat(results.storedRegions(slide, V2.modelVersion())).extracting(StoredRegion::index)
                    .containsExactly(1);
            assertThat(results.storedRegions(UUID.randomUUID(), V1.modelVersion())).isEmpty();
        }

        @Test
        void loadReturnsRegionsInIndexOrderWithOrWithoutCls256() {
            for (int index : new int[] {5, 0, 12, 3}) {
                results.store(slide, V1, region(index, index + 10));
            }

            List<RegionResult> withGrid = results.load(slide, V1.modelVersion(), true);
            List<RegionResult> without = results.load(slide, V1.modelVersion(), false);

            assertThat(withGrid).extracting(RegionResult::index).containsExactly(0, 3, 5, 12);
            RegionResult expected = region(5, 15);
            RegionResult five = withGrid.get(2);
            assertThat(five.x()).isEqualTo(expected.x());
            assertThat(five.width()).isEqualTo(4096);
            assertThat(five.tissueFraction()).isEqualTo(expected.tissueFraction());
            assertThat(five.mean256()).containsExactly(expected.mean256());
            assertThat(five.cls256()).isEqualTo(expected.cls256());
            assertThat(without).extracting(RegionResult::cls256).containsOnlyNulls();
            assertThat(without.get(2).cls4k()).containsExactly(expected.cls4k());
        }

        @Test
        void slideResultRoundTripsPredictionsAndProvenanceAndIsReplaced() {
            results.storeSlide(slide, V1, new SlideResult(2, floats(192, 1), null, null));
            SubtypePrediction subtype = new SubtypePrediction(List.of("IDC", "ILC"), new float[] {1f, -1f},
                    new float[] {0.88f, 0.12f}, "IDC");
            SurvivalPrediction survival = new SurvivalPrediction(new float[] {0f, 1f, 2f, 3f},
                    new float[] {0.5f, 0.7f, 0.8f, 0.9f}, new float[] {0.5f, 0.15f, 0.03f, 0.003f}, -0.683);
            results.storeSlide(slide, V1, new SlideResult(2, floats(192, 2), subtype, survival));

            assertThat(rows("slide_result")).isEqualTo(1);
            JdbcRegionResults.StoredSlideResult stored = results.latestSlideResult(slide).orElseThrow();
            assertThat(stored.provenance()).isEqualTo(V1);
            assertThat(stored.result().meanCls4k()).containsExactly(floats(192, 2));
            assertThat(stored.result().subtype().classes()).containsExactly("IDC", "ILC");
            assertThat(stored.result().subtype().probabilities()).containsExactly(0.88f, 0.12f);
            assertThat(stored.result().survival().risk()).isEqualTo(-0.683);
            assertThat(stored.result().survival().survival()).containsExactly(0.5f, 0.15f, 0.03f, 0.003f);
        }

        @Test
        void deleteForSlideRemovesRowsAndBlobsOfThatSlideOnly() {
            UUID other = UUID.randomUUID();
            ResultsTestDatabase.insertSlide(jdbc, other);
            results.store(slide, V1, region(0, 1));
            results.store(slide, V2, region(1, 2));
            results.storeSlide(slide, V1, new SlideResult(1, floats(192, 1), null, null));
            results.store(other, V1, region(0, 3));

            results.deleteForSlide(slide);

            assertThat(results.load(slide, V1.modelVersion(), false)).isEmpty();
            assertThat(results.latestSlideResult(slide)).isEmpty();
            assertThat(blobs.keys()).containsExactly("results/" + other + "/abc123def456/region-0-8192-4096x4096.npy");
            assertThat(results.storedRegions(other, V1.modelVersion())).extracting(StoredRegion::index)
                    .containsExactly(0);
        }

        @Test
        void aRegionIsIdentifiedByItsGeometryNotByItsIndex() {
            UUID job = UUID.randomUUID();
            RegionResult here = region(0, 1);
            // Index 0 of another grid (another mpp): another place on the slide, so another result.
            RegionResult elsewhere = new RegionResult(0, 6000, 8192, 6144, 6144, 0.5, floats(192, 7), floats(384, 8),
                    floats(256 * 384, 9));
            results.store(slide, V1, job, here);
            results.store(slide, V1, job, elsewhere);

            assertThat(rows("region_embedding")).isEqualTo(2);
            assertThat(results.storedRegions(slide, V1.modelVersion()))
                    .extracting(StoredRegion::x, StoredRegion::width, StoredRegion::jobId)
                    .containsExactlyInAnyOrder(org.assertj.core.groups.Tuple.tuple(0L, 4096L, job),
                            org.assertj.core.groups.Tuple.tuple(6000L, 6144L, job));
            List<RegionResult> loaded = results.load(slide, V1.modelVersion(), true);
            assertThat(loaded).extracting(RegionResult::x).containsExactly(0L, 6000L);
            assertThat(loaded.get(0).cls256()).isEqualTo(here.cls256());
            assertThat(loaded.get(1).cls256()).isEqualTo(elsewhere.cls256());
        }

        @Test
        void relocatedRegionsTakeTheirNewPlaceInTheOrderAndDroppedOnesLeaveNoRowOrBlob() {
            for (int i = 0; i < 3; i++) {
                results.store(slide, V1, region(i, i + 1));
            }
            List<StoredRegion> stored = results.storedRegions(slide, V1.modelVersion());

            results.drop(slide, V1.modelVersion(), stored.get(0));
            results.relocate(slide, V1.modelVersion(), stored.get(2), 0, 0.9);
            results.relocate(slide, V1.modelVersion(), stored.get(1), 1, 0.26);

            List<RegionResult> loaded = results.load(slide, V1.modelVersion(), true);
            assertThat(loaded).extracting(RegionResult::x).containsExactly(8192L, 4096L);
            assertThat(loaded).extracting(RegionResult::index).containsExactly(0, 1);
            assertThat(loaded.get(0).tissueFraction()).isEqualTo(0.9);
            assertThat(loaded.get(0).cls4k()).containsExactly(region(2, 3).cls4k());
            assertThat(results.regionBlobs(slide, V1.modelVersion())).extracting(JdbcRegionResults.RegionBlob::index)
                    .as("the patches .npy follows the same order").containsExactly(0, 1);
            assertThat(blobs.keys()).containsExactlyInAnyOrder(
                    "results/" + slide + "/abc123def456/region-4096-8192-4096x4096.npy",
                    "results/" + slide + "/abc123def456/region-8192-8192-4096x4096.npy");
        }

        @Test
        void deletingTheSlideRowCascadesToItsResultRows() {
            results.store(slide, V1, region(0, 1));
            results.storeSlide(slide, V1, new SlideResult(1, floats(192, 1), null, null));

            jdbc.sql("DELETE FROM slides WHERE id = ?").param(slide).update();

            assertThat(rows("region_embedding") + rows("slide_result")).isZero();
        }

        /** A re-prediction whose slide is deleted between reading the grids and storing the result. */
        @Test
        void aSlideResultOfASlideDeletedMeanwhileIsRefusedAsNotFoundAndLeavesNoRow() {
            results.store(slide, V1, region(0, 1));
            results.storeSlide(slide, V1, new SlideResult(1, floats(192, 1), null, null));
            jdbc.sql("DELETE FROM slides WHERE id = ?").param(slide).update();

            assertThatThrownBy(() -> results.storeSlide(slide, V1, new SlideResult(1, floats(192, 2), null, null)))
                    .isInstanceOfSatisfying(dev.hipt.system.ApiException.class, e -> {
                        assertThat(e.status().value()).isEqualTo(404);
                        assertThat(e.code()).isEqualTo("NOT_FOUND");
                    });
            assertThat(rows("slide_result")).isZero();
        }

        @Test
        void refusesAModelVersionThatCouldEscapeTheBlobPrefix() {
            Provenance bad = new Provenance("../x", false, Map.of());
            assertThatThrownBy(() -> results.store(slide, bad, region(0, 1)))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("model version");
            assertThat(blobs.keys()).isEmpty();
        }

        @Test
        void cls256MadeByAViT256TakesTheGridsOfAFinishedAnalysisWithThatViT256Only() {
            AnalysedSlideVectors analysed = new AnalysedSlideVectors(jdbc, results);
            results.store(slide, V1, region(1, 21));
            results.store(slide, V1, region(0, 20));
            results.storeSlide(slide, V1, new SlideResult(2, floats(192, 1), null, null));
            results.store(slide, V2, region(0, 30));
            UUID unfinished = UUID.randomUUID();
            ResultsTestDatabase.insertSlide(jdbc, unfinished);
            results.store(unfinished, V1, region(0, 40));

            assertThat(analysed.cls256MadeBy(slide, "a".repeat(64))).hasValueSatisfying(grids -> {
                assertThat(grids).hasSize(2);
                assertThat(grids.get(0)).containsExactly(region(0, 20).cls256());
                assertThat(grids.get(1)).containsExactly(region(1, 21).cls256());
            });
            assertThat(analysed.cls256MadeBy(slide, "A".repeat(64))).as("hex in either case").isPresent();
            assertThat(analysed.cls256MadeBy(slide, "c".repeat(64))).as("V2 has regions but no slide result")
                    .isEmpty();
            assertThat(analysed.cls256MadeBy(slide, "b".repeat(64))).as("V1's ViT-4K, not its ViT-256").isEmpty();
            assertThat(analysed.cls256MadeBy(unfinished, "a".repeat(64))).isEmpty();
        }

        private int rows(String table) {
            return jdbc.sql("SELECT count(*) FROM " + table + " WHERE slide_id = ?").param(slide)
                    .query(Integer.class).single();
        }
    }

    static RegionResult region(int index, long seed) {
        return new RegionResult(index, index * 4096L, 8192L, 4096, 4096, 0.25 + index / 100.0,
                floats(192, seed), floats(384, seed + 1), floats(256 * 384, seed + 2));
    }

    static float[] floats(int n, long seed) {
        Random random = new Random(seed);
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = (float) random.nextGaussian();
        }
        return v;
    }
}
