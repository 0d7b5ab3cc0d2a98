package dev.hipt.heatmap;

import dev.hipt.job.LoadedModels;
import dev.hipt.job.ModelNotConfiguredException;
import dev.hipt.job.ModelProvider;
import dev.hipt.model.SlideHead;
import dev.hipt.model.SubtypePrediction;
import dev.hipt.results.AnalysedSlide;
import dev.hipt.results.RegionResult;
import dev.hipt.system.ApiException;
import java.util.List;
import java.util.Optional;
import org.springframework.stereotype.Component;

/**
 * Per-region scores of a slide's newest analysis: tissue fraction (stored), and from the slide heads that analysed it
 * (when they are loaded): the attention mass (the gated attention pool's weight of each region in the slide-level
 * representation, as CLAM-style heatmaps draw it), the subtype class probabilities and the survival risk of each
 * region on its own (the head applied to a one-region slide).
 */
@Component
public class RegionScores {

    private final RegionAttentionService attention;

    RegionScores(RegionAttentionService attention) {
        this.attention = attention;
    }

    /**
     * The scores of one slide.
     *
     * @param attentionMass {@code [M]}, summing to 1, from the subtype head (else the survival head), or null
     * @param massHead      {@code subtype} or {@code survival}: which head's pool gave the attention mass
     * @param classes       subtype class names, empty without a subtype head
     * @param probabilities {@code [M][classes]} per-region class probabilities, or null
     * @param risk          {@code [M]} per-region survival risk ({@code -sum S_k}), or null
     */
    public record Scores(double[] tissue, double[] attentionMass, String massHead, List<String> classes,
                  double[][] probabilities, double[] risk) {
    }

    /** Needs {@code slide} loaded with its cls256 grids for the model scores; without loaded heads only tissue. */
    public Scores of(AnalysedSlide slide) {
        int m = slide.regions().size();
        double[] tissue = slide.regions().stream().mapToDouble(RegionResult::tissueFraction).toArray();
        boolean grids = slide.regions().stream().allMatch(r -> r.cls256() != null);
        if (!grids || m == 0) {
            return new Scores(tissue, null, null, List.of(), null, null);
        }
        Optional<ModelProvider.Lease> lease = matchingModels(slide);
        if (lease.isEmpty()) {
            return new Scores(tissue, null, null, List.of(), null, null);
        }
        try (ModelProvider.Lease held = lease.get()) {
            return of(slide, tissue, held.models());
        }
    }

    /** The model scores with {@code models}, which the caller holds a lease on until this returns. */
    private static Scores of(AnalysedSlide slide, double[] tissue, LoadedModels models) {
        int m = slide.regions().size();
        List<float[]> cls256 = slide.regions().stream().map(RegionResult::cls256).toList();
        Optional<SlideHead> massFrom = models.subtype().or(models::survival);
        double[] mass = massFrom.map(h -> toDouble(h.regionWeights(cls256))).orElse(null);
        String massHead = massFrom.isEmpty() ? null : models.subtype().isPresent() ? "subtype" : "survival";
        double[][] probabilities = null;
        List<String> classes = List.of();
        if (models.subtype().isPresent()) {
            classes = models.subtypeClasses();
            probabilities = new double[m][];
            for (int i = 0; i < m; i++) {
                SubtypePrediction p = models.subtype().get().subtype(List.of(cls256.get(i)), classes);
                probabilities[i] = toDouble(p.probabilities());
            }
        }
        double[] risk = null;
        if (models.survival().isPresent()) {
            risk = new double[m];
            for (int i = 0; i < m; i++) {
                risk[i] = models.survival().get().survival(List.of(cls256.get(i))).risk();
            }
        }
        return new Scores(tissue, mass, massHead, classes, probabilities, risk);
    }

    private Optional<ModelProvider.Lease> matchingModels(AnalysedSlide slide) {
        try {
            return Optional.of(attention.leaseFor(slide));
        } catch (ModelNotConfiguredException | ApiException e) {
            return Optional.empty();
        }
    }

    private static double[] toDouble(float[] v) {
        double[] out = new double[v.length];
        for (int i = 0; i < v.length; i++) {
            out[i] = v[i];
        }
        return out;
    }
}
