package dev.hipt.training;

import dev.hipt.results.AnalysedSlideVectors;
import dev.hipt.results.KnnSubtyping;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.UUID;
import org.springframework.stereotype.Component;

/**
 * kNN subtyping as HIPT evaluates its self-supervised features: the {@value #K} labelled slides of the active
 * reference label set nearest to the slide by cosine similarity of slide embeddings (the mean of the region cls4k
 * vectors) of the same model version vote; the slide itself never votes for itself.
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
        Map<UUID, AnalysedSlideVectors.Newest> newest = analysed.newest(rows.stream()
                .map(LabelSet.LabelRow::slideId).toList());
        List<Neighbour> all = new ArrayList<>();
        for (LabelSet.LabelRow row : rows) {
            AnalysedSlideVectors.Newest n = newest.get(row.slideId());
            if (n != null && n.modelVersion().equals(modelVersion) && n.meanCls4k().length == slideEmbedding.length) {
                all.add(new Neighbour(row.slideId(), row.subtype(), cosine(slideEmbedding, n.meanCls4k())));
            }
        }
        if (all.isEmpty()) {
            return Optional.empty();
        }
        all.sort(Comparator.comparingDouble(Neighbour::cosine).reversed());
        List<Neighbour> nearest = List.copyOf(all.subList(0, Math.min(K, all.size())));
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
