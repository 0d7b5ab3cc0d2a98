package dev.hipt.results;

import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.UUID;
import org.springframework.jdbc.core.RowCallbackHandler;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Component;

/**
 * The read seam for features that learn from many analysed slides (training, kNN subtyping): each slide's newest
 * slide embedding in bulk, and a slide's stored cls256 grids (those of a model version, or those a given ViT-256
 * made).
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
    private final JdbcRegionResults regions;

    AnalysedSlideVectors(JdbcClient jdbc, JdbcRegionResults regions) {
        this.jdbc = jdbc;
        this.regions = regions;
    }

    /** The newest analysis of each of these slides that has one. */
    public Map<UUID, Newest> newest(Collection<UUID> slideIds) {
        Map<UUID, Newest> out = new LinkedHashMap<>();
        List<UUID> ids = List.copyOf(slideIds);
        for (int from = 0; from < ids.size(); from += CHUNK) {
            // Oldest first, so a newer analysis of a slide replaces an older one in the map.
            jdbc.sql("SELECT slide_id, model_version, regions, mean_cls4k FROM slide_result"
                            + " WHERE slide_id IN (:ids) ORDER BY created_at, model_version")
                    .param("ids", ids.subList(from, Math.min(ids.size(), from + CHUNK)))
                    .query((RowCallbackHandler) rs -> {
                        UUID id = rs.getObject(1, UUID.class);
                        out.put(id, new Newest(id, rs.getString(2), rs.getInt(3), Vectors.fromBytes(rs.getBytes(4))));
                    });
        }
        return out;
    }

    /** Each region's cls256 grid {@code [patches x 384]} of the slide's results of {@code modelVersion}. */
    public List<float[]> cls256(UUID slideId, String modelVersion) {
        return regions.load(slideId, modelVersion, true).stream().map(RegionResult::cls256).toList();
    }

    /**
     * The cls256 grids of the slide's newest finished analysis whose ViT-256 was the checkpoint file of this SHA-256
     * (its provenance's {@code vit256} checkpoint), whatever ViT-4K and heads it ran with: the grids depend on the
     * ViT-256 alone. Empty when no such analysis is stored, or when one of its regions was stored without its grid.
     * The grids are in the analysis' precision (fp32, bf16 or fp16), which the provenance records.
     */
    public Optional<List<float[]>> cls256MadeBy(UUID slideId, String vit256Sha256) {
        Objects.requireNonNull(vit256Sha256, "vit256Sha256");
        return regions.slideResults(slideId).stream()
                .map(JdbcRegionResults.StoredSlideResult::provenance)
                .filter(p -> vit256Sha256.equalsIgnoreCase(p.checkpointSha256().get("vit256")))
                .findFirst()
                .map(p -> cls256(slideId, p.modelVersion()))
                .filter(grids -> !grids.isEmpty() && grids.stream().allMatch(Objects::nonNull));
    }
}
