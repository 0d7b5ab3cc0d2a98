package dev.hipt.training;

import dev.hipt.results.AnalysedSlideVectors;
import dev.hipt.results.KnnSubtyping;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.UUID;
import java.util.stream.Collectors;
import org.springframework.stereotype.Component;

/**
 * kNN subtyping as HIPT evaluates its self-supervised features: the {@value #K} labelled slides of the active
 * reference label set nearest to the slide by cosine similarity of slide embeddings (the mean of the region cls4k
 * vectors) of the same model version vote; the slide itself never votes for itself. The neighbours come from the
 * in-memory similar-slides index, restricted to the label set's slides.
 */
@Component
class ReferenceKnnSubtyping implements KnnSubtyping {

    static final int K = 5;

    private final LabelSetRepository sets;
    private final AnalysedSlideVectors analysed;

    ReferenceKnnSubtyping(LabelSetRepository sets, AnalysedSlideVectors analysed) {
        this.sets = sets;
        this.analysed = analysed;
    }

    @Override
    public Optional<Prediction> predict(UUID slideId, String modelVersion, float[] slideEmbedding) {
        Optional<LabelSet> reference = sets.reference().flatMap(sets::find);
        if (reference.isEmpty()) {
            return Optional.empty();
        }
        List<LabelSet.LabelRow> rows = reference.get().rows().stream()
                .filter(r -> r.subtype() != null && !r.slideId().equals(slideId)).toList();
        Map<UUID, List<LabelSet.LabelRow>> rowsBySlide = rows.stream()
                .collect(Collectors.groupingBy(LabelSet.LabelRow::slideId, LinkedHashMap::new, Collectors.toList()));
        // K slides always give K rows (a slide listed twice gives two), in the order the rows were listed
        List<Neighbour> nearest = analysed.nearest(modelVersion, slideEmbedding, K, rowsBySlide.keySet(), slideId)
                .stream()
                .flatMap(n -> rowsBySlide.get(n.slideId()).stream()
                        .map(row -> new Neighbour(n.slideId(), row.subtype(), n.cosine())))
                .limit(K)
                .toList();
        if (nearest.isEmpty()) {
            return Optional.empty();
        }
        Map<String, Integer> votes = new TreeMap<>();
        Map<String, Double> similarity = new TreeMap<>();
        for (Neighbour n : nearest) {
            votes.merge(n.label(), 1, Integer::sum);
            similarity.merge(n.label(), n.cosine(), Double::sum);
        }
        String label = votes.keySet().stream()
                .max(Comparator.<String>comparingInt(votes::get).thenComparingDouble(similarity::get))
                .orElseThrow();
        return Optional.of(new Prediction(K, reference.get().id(), label, votes, nearest));
    }
}
