package dev.hipt.results;

import static dev.hipt.results.RegionResultsIntegrationTests.floats;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/** The in-memory index against a brute-force double-precision cosine scan, through inserts, moves and deletions. */
class SlideEmbeddingIndexTests {

    private static final String V1 = "v1";
    private static final String V2 = "v2";

    private final SlideEmbeddingIndex index = new SlideEmbeddingIndex();
    /** What the index should hold: slide -> (version, vector). */
    private final Map<UUID, Map.Entry<String, float[]>> expected = new LinkedHashMap<>();

    @Test
    void answersWhatABruteForceScanAnswersThroughRandomUpdates() {
        Random random = new Random(5);
        List<UUID> ids = new ArrayList<>();
        for (int i = 0; i < 3000; i++) {
            UUID id = UUID.randomUUID();
            ids.add(id);
            put(id, random.nextInt(5) == 0 ? V2 : V1, floats(192, random.nextLong()));
        }
        for (int step = 0; step < 3000; step++) {
            UUID id = ids.get(random.nextInt(ids.size()));
            switch (random.nextInt(3)) {
                case 0 -> put(id, V1, floats(192, random.nextLong()));
                case 1 -> put(id, random.nextBoolean() ? V1 : V2, floats(192, random.nextLong()));
                default -> {
                    index.remove(id);
                    expected.remove(id);
                }
            }
        }
        assertThat(index.size()).isEqualTo(expected.size());
        for (int q = 0; q < 20; q++) {
            UUID self = ids.get(random.nextInt(ids.size()));
            float[] query = floats(192, random.nextLong());
            for (String version : List.of(V1, V2)) {
                for (int k : new int[] {1, 10, 100}) {
                    assertSameAnswer(index.nearest(version, query, k, self), bruteForce(version, query, k, self,
                            null));
                }
            }
        }
    }

    @Test
    void restrictedSearchLooksOnlyAtTheGivenSlidesOfTheVersion() {
        Random random = new Random(11);
        List<UUID> ids = new ArrayList<>();
        for (int i = 0; i < 500; i++) {
            UUID id = UUID.randomUUID();
            ids.add(id);
            put(id, i % 3 == 0 ? V2 : V1, floats(192, random.nextLong()));
        }
        Set<UUID> among = Set.copyOf(ids.subList(0, 60));
        float[] query = floats(192, 99);
        List<SimilarSlides.SimilarSlide> found = index.nearestAmong(V1, query, 5, among, ids.get(1));

        assertSameAnswer(found, bruteForce(V1, query, 5, ids.get(1), among));
        assertThat(found).extracting(SimilarSlides.SimilarSlide::slideId).allMatch(among::contains)
                .doesNotContain(ids.get(1));
    }

    @Test
    void aSlideMovedToAnotherVersionLeavesTheOldGroupAndTheQuerySlideIsLeftOut() {
        UUID a = UUID.randomUUID();
        UUID b = UUID.randomUUID();
        float[] v = floats(192, 1);
        index.put(a, V1, v);
        index.put(b, V1, v);
        assertThat(index.nearest(V1, v, 10, a)).extracting(SimilarSlides.SimilarSlide::slideId).containsExactly(b);

        index.put(b, V2, v);

        assertThat(index.nearest(V1, v, 10, a)).isEmpty();
        assertThat(index.nearest(V2, v, 10, a)).singleElement()
                .satisfies(s -> assertThat(s.cosine()).isCloseTo(1.0, within(1e-6)));
        assertThat(index.size()).isEqualTo(2);
    }

    @Test
    void zeroVectorsHaveCosineZeroAndOtherLengthsAreNotCompared() {
        UUID zero = UUID.randomUUID();
        UUID shorter = UUID.randomUUID();
        index.put(zero, V1, new float[192]);
        index.put(shorter, V1, floats(64, 3));

        assertThat(index.nearest(V1, floats(192, 4), 5, null)).singleElement()
                .satisfies(s -> {
                    assertThat(s.slideId()).isEqualTo(zero);
                    assertThat(s.cosine()).isZero();
                });
    }

    private void put(UUID id, String version, float[] vector) {
        index.put(id, version, vector);
        expected.put(id, Map.entry(version, vector));
    }

    private List<SimilarSlides.SimilarSlide> bruteForce(String version, float[] query, int k, UUID exclude,
                                                        Set<UUID> among) {
        Map<UUID, Double> cosines = new HashMap<>();
        expected.forEach((id, entry) -> {
            if (entry.getKey().equals(version) && !id.equals(exclude) && (among == null || among.contains(id))) {
                cosines.put(id, cosine(query, entry.getValue()));
            }
        });
        return cosines.entrySet().stream()
                .sorted(Map.Entry.<UUID, Double>comparingByValue(Comparator.reverseOrder()))
                .limit(k)
                .map(e -> new SimilarSlides.SimilarSlide(e.getKey(), e.getValue()))
                .toList();
    }

    /**
     * Same cosines to 1e-5 (float against double arithmetic), same slides in the same order except where two
     * neighbours' cosines are closer than that, and then the same set.
     */
    static void assertSameAnswer(List<SimilarSlides.SimilarSlide> actual, List<SimilarSlides.SimilarSlide> expected) {
        assertThat(actual).hasSameSizeAs(expected);
        for (int i = 0; i < expected.size(); i++) {
            assertThat(actual.get(i).cosine()).as("cosine of neighbour %d", i)
                    .isCloseTo(expected.get(i).cosine(), within(1e-5));
            boolean tied = i > 0 && expected.get(i - 1).cosine() - expected.get(i).cosine() < 1e-5
                    || i + 1 < expected.size() && expected.get(i).cosine() - expected.get(i + 1).cosine() < 1e-5;
            if (!tied) {
                assertThat(actual.get(i).slideId()).as("neighbour %d", i).isEqualTo(expected.get(i).slideId());
            }
        }
        if (!expected.isEmpty()) {
            double last = expected.get(expected.size() - 1).cosine();
            assertThat(actual.stream().filter(s -> s.cosine() > last + 1e-5).map(SimilarSlides.SimilarSlide::slideId))
                    .containsExactlyInAnyOrderElementsOf(expected.stream().filter(s -> s.cosine() > last + 1e-5)
                            .map(SimilarSlides.SimilarSlide::slideId).toList());
        }
    }

    static double cosine(float[] a, float[] b) {
        double dot = 0;
        double na = 0;
        double nb = 0;
        for (int i = 0; i < a.length; i++) {
            dot += (double) a[i] * b[i];
            na += (double) a[i] * a[i];
            nb += (double) b[i] * b[i];
        }
        return na == 0 || nb == 0 ? 0 : dot / Math.sqrt(na * nb);
    }
}
