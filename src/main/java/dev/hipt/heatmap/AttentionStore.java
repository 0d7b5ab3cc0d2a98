package dev.hipt.heatmap;

import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Repository;

/**
 * The {@code region_attention} table (V14): a region's percentile maps keyed like its embedding, by slide, model
 * version and level-0 geometry. Rows go with the slide ({@code ON DELETE CASCADE}).
 */
@Repository
class AttentionStore {

    private static final String BY_GEOMETRY =
            " WHERE slide_id = ? AND model_version = ? AND x = ? AND y = ? AND width = ? AND height = ?";
    private static final String COLUMNS = "heads4k, grid4k, percentile4k, heads256, grid256, percentile256, offsets";

    private final JdbcClient jdbc;

    AttentionStore(JdbcClient jdbc) {
        this.jdbc = jdbc;
    }

    /** A region's level-0 geometry, the key of its maps (with the slide and model version). */
    record Geometry(long x, long y, long width, long height) {
    }

    Optional<RegionMaps> find(UUID slideId, String modelVersion, Geometry g) {
        return jdbc.sql("SELECT " + COLUMNS + " FROM region_attention" + BY_GEOMETRY)
                .params(slideId, modelVersion, g.x(), g.y(), g.width(), g.height())
                .query((rs, n) -> maps(rs))
                .optional();
    }

    /** Every stored map of the slide and model version by geometry. */
    Map<Geometry, RegionMaps> all(UUID slideId, String modelVersion) {
        Map<Geometry, RegionMaps> out = new HashMap<>();
        jdbc.sql("SELECT x, y, width, height, " + COLUMNS
                        + " FROM region_attention WHERE slide_id = ? AND model_version = ?")
                .params(slideId, modelVersion)
                .query(rs -> {
                    out.put(new Geometry(rs.getLong(1), rs.getLong(2), rs.getLong(3), rs.getLong(4)), new RegionMaps(
                            rs.getInt(5), rs.getInt(6), rs.getBytes(7), rs.getInt(8), rs.getInt(9), rs.getBytes(10),
                            rs.getBoolean(11)));
                });
        return out;
    }

    /**
     * Stores a region's maps, replacing earlier ones; idempotent without vendor upserts (update, else insert, and
     * update again when a concurrent writer inserted first). A row whose slide is gone is not written.
     */
    void save(UUID slideId, String modelVersion, Geometry g, RegionMaps m) {
        Object[] values = {m.heads4k(), m.grid4k(), m.percentile4k(), m.hasVit256() ? m.heads256() : null,
                m.hasVit256() ? m.grid256() : null, m.percentile256(), m.offsets(),
                OffsetDateTime.now(ZoneOffset.UTC), slideId, modelVersion, g.x(), g.y(), g.width(), g.height()};
        String update = "UPDATE region_attention SET heads4k = ?, grid4k = ?, percentile4k = ?, heads256 = ?,"
                + " grid256 = ?, percentile256 = ?, offsets = ?, created_at = ?" + BY_GEOMETRY;
        if (jdbc.sql(update).params(values).update() > 0) {
            return;
        }
        try {
            jdbc.sql("INSERT INTO region_attention (" + COLUMNS + ", created_at, slide_id, model_version, x, y,"
                    + " width, height) SELECT ?, ?, ?, ?, ?, ?, ?, ?, id, ?, ?, ?, ?, ? FROM slides WHERE id = ?")
                    .params(m.heads4k(), values[1], values[2], values[3], values[4], values[5], values[6], values[7],
                            modelVersion, g.x(), g.y(), g.width(), g.height(), slideId).update();
        } catch (org.springframework.dao.DuplicateKeyException e) {
            jdbc.sql(update).params(values).update();
        }
    }

    private static RegionMaps maps(java.sql.ResultSet rs) throws java.sql.SQLException {
        return new RegionMaps(rs.getInt(1), rs.getInt(2), rs.getBytes(3), rs.getInt(4), rs.getInt(5),
                rs.getBytes(6), rs.getBoolean(7));
    }
}
