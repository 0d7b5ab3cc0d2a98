package dev.hipt.results;

import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Component;

/**
 * The read seam for features that learn from many analysed slides (training, kNN subtyping): each slide's newest
 * slide embedding in bulk, the nearest slides among a set (kNN), and a slide's stored cls256 grids (those of a model
 * version, or those a given ViT-256 made).
 */
@Component
public class AnalysedSlideVectors {

    private static final int CHUNK = 500;

    /**
     * A slide's newest analysis, without its regions.
     *
     * @param modelVersion the model version of its embeddings
     * @param regions      how many regions it has
     * @param meanCls4k    the slide embedding, the mean of its regions' cls4k vectors
     */
    public record Newest(UUID slideId, String modelVersion, int regions, float[] meanCls4k) {
    }

    private final JdbcClient jdbc;
    private final JdbcRegionResults results;

    AnalysedSlideVectors(JdbcClient jdbc, JdbcRegionResults results) {
        this.jdbc = jdbc;
        this.results = results;
    }

    /** The newest analysis of each of these slides that has one. */
    public Map<UUID, Newest> newest(Collection<UUID> slideIds) {
        return results.embeddings().newest(slideIds);
    }

    /**
     * The {@code k} slides of {@code among} whose newest analysis is of {@code modelVersion} nearest to
     * {@code slideEmbedding} by cosine, most similar first, leaving out {@code exclude}; from the in-memory index,
     * O(|among|).
     */
    public List<SimilarSlides.SimilarSlide> nearest(String modelVersion, float[] slideEmbedding, int k,
                                                    Set<UUID> among, UUID exclude) {
        return results.embeddings().nearestAmong(modelVersion, slideEmbedding, k, among, exclude);
    }

    /** Those of these slides that have a finished analysis (a slide result) made by {@code modelVersion}. */
    public Set<UUID> analysedWith(Collection<UUID> slideIds, String modelVersion) {
        Set<UUID> out = new HashSet<>();
        List<UUID> ids = List.copyOf(slideIds);
        for (int from = 0; from < ids.size(); from += CHUNK) {
            out.addAll(jdbc.sql("SELECT slide_id FROM slide_result WHERE model_version = :version"
                            + " AND slide_id IN (:ids)")
                    .param("version", modelVersion)
                    .param("ids", ids.subList(from, Math.min(ids.size(), from + CHUNK)))
                    .query(UUID.class).list());
        }
        return out;
    }

    /** Each region's cls256 grid {@code [patches x 384]} of the slide's results of {@code modelVersion}. */
    public List<float[]> cls256(UUID slideId, String modelVersion) {
        return results.load(slideId, modelVersion, true).stream().map(RegionResult::cls256).toList();
    }

    /**
     * The cls256 grids of the slide's newest finished analysis whose ViT-256 was the checkpoint file of this SHA-256
     * (its provenance's {@code vit256} checkpoint), whatever ViT-4K and heads it ran with: the grids depend on the
     * ViT-256 alone. Empty when no such analysis is stored, or when one of its regions was stored without its grid.
     * The grids are in the analysis' precision (fp32, bf16 or fp16), which the provenance records.
     */
    public Optional<List<float[]>> cls256MadeBy(UUID slideId, String vit256Sha256) {
        Objects.requireNonNull(vit256Sha256, "vit256Sha256");
        return results.slideResults(slideId).stream()
                .map(JdbcRegionResults.StoredSlideResult::provenance)
                .filter(p -> vit256Sha256.equalsIgnoreCase(p.checkpointSha256().get("vit256")))
                .findFirst()
                .map(p -> cls256(slideId, p.modelVersion()))
                .filter(grids -> !grids.isEmpty() && grids.stream().allMatch(Objects::nonNull));
    }
}
