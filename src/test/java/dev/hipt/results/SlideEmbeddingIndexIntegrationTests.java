package dev.hipt.results;

import static dev.hipt.results.RegionResultsIntegrationTests.V1;
import static dev.hipt.results.RegionResultsIntegrationTests.V2;
import static dev.hipt.results.RegionResultsIntegrationTests.floats;
import static dev.hipt.results.SlideEmbeddingIndexTests.assertSameAnswer;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.nio.file.Path;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashMap;
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
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.jdbc.datasource.DataSourceTransactionManager;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * The similar-slides index over a real database (H2 and PostgreSQL, the project's migrations): its bulk load against
 * a brute-force scan of {@code slide_result}, this replica's writes, and other replicas' writes arriving by poll.
 */
class SlideEmbeddingIndexIntegrationTests {

    @Nested
    @TestInstance(TestInstance.Lifecycle.PER_CLASS)
    class OnH2 extends Contract {

        @BeforeAll
        void database() {
            dataSource = ResultsTestDatabase.h2();
            ResultsTestDatabase.migrate(dataSource);
        }
    }

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
        /** Two replicas: each its own repository and index over the one database. */
        JdbcRegionResults replicaA;
        JdbcRegionResults replicaB;

        @BeforeEach
        void setUp(@TempDir Path blobRoot) {
            jdbc = JdbcClient.create(dataSource);
            jdbc.sql("DELETE FROM slide_result_change").update();
            jdbc.sql("DELETE FROM slides").update();
            replicaA = new JdbcRegionResults(jdbc, new TempDirBlobStore(blobRoot.resolve("a")));
            replicaB = new JdbcRegionResults(jdbc, new TempDirBlobStore(blobRoot.resolve("b")));
            replicaA.embeddings().load();
            replicaB.embeddings().load();
        }

        /**
         * 700 slides of three model versions each, the newest at random: 2100 rows, so the load's chunk boundary (2000
         * rows) falls inside one slide's rows. A freshly loaded index (a replica starting) answers what a scan of the
         * table answers, each slide by its newest analysis.
         */
        @Test
        void bulkLoadAnswersWhatABruteForceScanOfTheTableAnswers() {
            Random random = new Random(42);
            List<String> versions = List.of(V1.modelVersion(), V2.modelVersion(), "fedcba987654");
            OffsetDateTime base = OffsetDateTime.of(2026, 1, 1, 0, 0, 0, 0, ZoneOffset.UTC);
            List<Object[]> rows = new ArrayList<>();
            List<UUID> slides = new ArrayList<>();
            for (int s = 0; s < 700; s++) {
                UUID slide = newSlide();
                slides.add(slide);
                List<String> order = new ArrayList<>(versions);
                Collections.shuffle(order, random);
                for (int i = 0; i < order.size(); i++) {
                    rows.add(new Object[] {slide, order.get(i), 1, Vectors.toBytes(floats(192, random.nextLong())),
                            false, "{}", base.plusSeconds(10L * s + i)});
                }
            }
            new JdbcTemplate(dataSource).batchUpdate("INSERT INTO slide_result (slide_id, model_version, regions,"
                    + " mean_cls4k, untrained, provenance, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)", rows);

            IndexedSlideEmbeddings restarted = new IndexedSlideEmbeddings(jdbc);
            assertThat(restarted.load()).isEqualTo(700);

            for (int q = 0; q < 5; q++) {
                float[] query = floats(192, random.nextLong());
                UUID self = slides.get(random.nextInt(slides.size()));
                for (String version : versions) {
                    for (int k : new int[] {1, 10, 100}) {
                        assertSameAnswer(restarted.nearest(version, query, k, self),
                                scan(version, query, k, self));
                    }
                }
            }
        }

        @Test
        void followsThisReplicasNewAnalysesReanalysesAndDeletionsAtOnce() {
            UUID a = newSlide();
            UUID b = newSlide();
            float[] va = floats(192, 1);
            replicaA.storeSlide(a, V1, result(va));
            replicaA.storeSlide(b, V1, result(floats(192, 2)));
            assertThat(similarTo(replicaA, a, va)).containsOnlyKeys(b);

            replicaA.storeSlide(b, V1, result(va));
            assertThat(similarTo(replicaA, a, va).get(b)).as("re-analysed, same version")
                    .isCloseTo(1.0, within(1e-6));

            replicaA.storeSlide(b, V2, result(va));
            assertThat(similarTo(replicaA, a, va)).as("b's newest analysis is of another version").isEmpty();
            assertThat(replicaA.embeddings().nearest(V2.modelVersion(), va, 5, a))
                    .extracting(SimilarSlides.SimilarSlide::slideId).containsExactly(b);

            replicaA.storeSlide(b, V1, result(floats(192, 3)));
            replicaA.deleteForSlide(b);
            assertThat(similarTo(replicaA, a, va)).isEmpty();
            assertThat(replicaA.embeddings().nearest(V2.modelVersion(), va, 5, a)).isEmpty();
        }

        @Test
        void anotherReplicasWritesArriveWithItsNextPoll() {
            UUID a = newSlide();
            UUID b = newSlide();
            float[] va = floats(192, 1);
            replicaA.storeSlide(a, V1, result(va));
            replicaA.storeSlide(b, V1, result(va));
            assertThat(similarTo(replicaB, a, va)).as("before B polls").isEmpty();
            replicaB.embeddings().poll();
            assertThat(similarTo(replicaB, a, va)).containsOnlyKeys(b);

            replicaA.storeSlide(b, V2, result(va));
            replicaB.embeddings().poll();
            assertThat(similarTo(replicaB, a, va)).as("b re-analysed with V2").isEmpty();

            // as SlideService deletes: the slide row first (its results cascade), then deleteForSlide
            jdbc.sql("DELETE FROM slides WHERE id = ?").param(b).update();
            replicaA.deleteForSlide(b);
            replicaB.embeddings().poll();
            assertThat(replicaB.embeddings().nearest(V2.modelVersion(), va, 5, a)).isEmpty();
            assertThat(replicaB.embeddings().size()).isEqualTo(1);
        }

        /** A write whose transaction began before B's previous poll and committed after it is still picked up. */
        @Test
        void aChangeStampedBeforeThePreviousPollButCommittedAfterItIsNotMissed() {
            UUID a = newSlide();
            UUID late = newSlide();
            float[] va = floats(192, 1);
            replicaA.storeSlide(a, V1, result(va));
            replicaB.embeddings().poll();

            jdbc.sql("INSERT INTO slide_result (slide_id, model_version, regions, mean_cls4k, untrained, provenance,"
                            + " created_at) VALUES (?, ?, 1, ?, false, '{}', ?)")
                    .params(late, V1.modelVersion(), Vectors.toBytes(va), OffsetDateTime.now(ZoneOffset.UTC)).update();
            jdbc.sql("INSERT INTO slide_result_change (slide_id, changed_at) VALUES (?, ?)")
                    .params(late, OffsetDateTime.now(ZoneOffset.UTC).minusSeconds(10)).update();
            replicaB.embeddings().poll();

            assertThat(similarTo(replicaB, a, va)).containsOnlyKeys(late);
        }

        @Test
        void aWriteInARolledBackTransactionNeverReachesTheIndex() {
            UUID a = newSlide();
            UUID b = newSlide();
            float[] va = floats(192, 1);
            replicaA.storeSlide(a, V1, result(va));
            TransactionTemplate transaction = new TransactionTemplate(new DataSourceTransactionManager(dataSource));

            transaction.executeWithoutResult(status -> {
                replicaA.storeSlide(b, V1, result(va));
                status.setRollbackOnly();
            });
            assertThat(similarTo(replicaA, a, va)).isEmpty();

            transaction.executeWithoutResult(status -> replicaA.storeSlide(b, V1, result(va)));
            assertThat(similarTo(replicaA, a, va)).containsOnlyKeys(b);
        }

        private UUID newSlide() {
            UUID id = UUID.randomUUID();
            ResultsTestDatabase.insertSlide(jdbc, id);
            return id;
        }

        private static SlideResult result(float[] meanCls4k) {
            return new SlideResult(1, meanCls4k, null, null);
        }

        private static Map<UUID, Double> similarTo(JdbcRegionResults replica, UUID slide, float[] query) {
            Map<UUID, Double> out = new HashMap<>();
            replica.embeddings().nearest(V1.modelVersion(), query, 100, slide)
                    .forEach(s -> out.put(s.slideId(), s.cosine()));
            return out;
        }

        /** What /similar computed before the index: every slide's newest row, scanned, cosine in double. */
        private List<SimilarSlides.SimilarSlide> scan(String version, float[] query, int k, UUID exclude) {
            record Row(UUID slide, String version, float[] vector, OffsetDateTime created) {
            }
            Map<UUID, Row> newest = new HashMap<>();
            jdbc.sql("SELECT slide_id, model_version, mean_cls4k, created_at FROM slide_result")
                    .query((rs, n) -> new Row(rs.getObject(1, UUID.class), rs.getString(2),
                            Vectors.fromBytes(rs.getBytes(3)), rs.getObject(4, OffsetDateTime.class)))
                    .list()
                    .forEach(row -> newest.merge(row.slide(), row, (x, y) -> x.created().isAfter(y.created()) ? x : y));
            return newest.values().stream()
                    .filter(row -> row.version().equals(version) && !row.slide().equals(exclude))
                    .map(row -> new SimilarSlides.SimilarSlide(row.slide(),
                            SlideEmbeddingIndexTests.cosine(query, row.vector())))
                    .sorted(Comparator.comparingDouble(SimilarSlides.SimilarSlide::cosine).reversed())
                    .limit(k)
                    .toList();
        }
    }
}
