package dev.hipt.results;

import java.time.Duration;
import java.time.OffsetDateTime;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.dao.DuplicateKeyException;
import org.springframework.jdbc.core.RowCallbackHandler;
import org.springframework.jdbc.core.simple.JdbcClient;

/**
 * The slide embedding (meanCls4k) of every slide's newest analysis, held in a {@link SlideEmbeddingIndex} and kept
 * in step with the database, which stays the truth:
 * <ul>
 *   <li>loaded in bulk on first use (at start-up: {@link SlideEmbeddingIndexPoller}), in keyset-paged chunks of
 *       {@value #LOAD_CHUNK} rows, never one query per slide;</li>
 *   <li>this replica's own writes ({@link JdbcRegionResults#storeSlide}, {@link JdbcRegionResults#deleteForSlide})
 *       refresh their slide once committed;</li>
 *   <li>other replicas' writes arrive by {@link #poll()}: every write first stamps the slide's row in
 *       {@code slide_result_change} with the database clock, and a poll re-reads the newest result of each slide
 *       stamped since its previous poll, minus {@link #OVERLAP} so a write whose transaction committed late is still
 *       seen; re-reading a slide twice is harmless.</li>
 * </ul>
 * Refreshes read the database and apply to the index under one lock, so a slower, older read never overwrites a
 * newer one.
 */
final class IndexedSlideEmbeddings {

    /** How far back each poll looks before its previous one: longer than any write's transaction takes to commit. */
    static final Duration OVERLAP = Duration.ofSeconds(30);
    static final int LOAD_CHUNK = 2000;
    private static final int IN_CHUNK = 500;

    private static final Logger log = LoggerFactory.getLogger(IndexedSlideEmbeddings.class);

    private final JdbcClient jdbc;
    private final Object refreshLock = new Object();
    private volatile SlideEmbeddingIndex index;
    /** Database time at the start of the last load or poll; read and written under {@link #refreshLock}. */
    private OffsetDateTime polledAt;

    IndexedSlideEmbeddings(JdbcClient jdbc) {
        this.jdbc = jdbc;
    }

    /** Loads the index from the database now, replacing what it held; returns how many slides it holds. */
    int load() {
        synchronized (refreshLock) {
            long t0 = System.nanoTime();
            OffsetDateTime start = databaseNow();
            SlideEmbeddingIndex fresh = new SlideEmbeddingIndex();
            loadInto(jdbc, fresh);
            index = fresh;
            polledAt = start;
            log.info("Loaded the similar-slides index: {} slides in {} ms", fresh.size(),
                    (System.nanoTime() - t0) / 1_000_000);
            return fresh.size();
        }
    }

    /** Applies what any replica changed since the previous poll (loads first if not loaded). */
    void poll() {
        synchronized (refreshLock) {
            if (index == null) {
                load();
                return;
            }
            OffsetDateTime start = databaseNow();
            List<UUID> changed = jdbc.sql("SELECT slide_id FROM slide_result_change WHERE changed_at > ?")
                    .param(polledAt.minus(OVERLAP)).query(UUID.class).list();
            refreshLocked(changed);
            polledAt = start;
        }
    }

    /** Re-reads the slides' newest analyses into the index; a slide without one leaves it. */
    void refresh(Collection<UUID> slideIds) {
        synchronized (refreshLock) {
            if (index == null) {
                load();
            } else {
                refreshLocked(slideIds);
            }
        }
    }

    private void refreshLocked(Collection<UUID> slideIds) {
        Map<UUID, AnalysedSlideVectors.Newest> newest = newest(slideIds);
        for (UUID id : slideIds) {
            AnalysedSlideVectors.Newest n = newest.get(id);
            if (n == null) {
                index.remove(id);
            } else {
                index.put(id, n.modelVersion(), n.meanCls4k());
            }
        }
    }

    /** Slides in the index; 0 before it is loaded. */
    int size() {
        SlideEmbeddingIndex loaded = index;
        return loaded == null ? 0 : loaded.size();
    }

    /** See {@link SlideEmbeddingIndex#nearest}. */
    List<SimilarSlides.SimilarSlide> nearest(String modelVersion, float[] query, int k, UUID exclude) {
        return loaded().nearest(modelVersion, query, k, exclude);
    }

    /** See {@link SlideEmbeddingIndex#nearestAmong}. */
    List<SimilarSlides.SimilarSlide> nearestAmong(String modelVersion, float[] query, int k, Set<UUID> among,
                                                  UUID exclude) {
        return loaded().nearestAmong(modelVersion, query, k, among, exclude);
    }

    private SlideEmbeddingIndex loaded() {
        SlideEmbeddingIndex loaded = index;
        if (loaded == null) {
            synchronized (refreshLock) {
                if (index == null) {
                    load();
                }
                loaded = index;
            }
        }
        return loaded;
    }

    /**
     * The newest analysis of each of these slides that has one: the latest {@code created_at}, the smallest model
     * version among equally new ones (as {@link JdbcRegionResults#latestSlideResult} chooses).
     */
    Map<UUID, AnalysedSlideVectors.Newest> newest(Collection<UUID> ids) {
        List<UUID> slideIds = List.copyOf(ids);
        Map<UUID, AnalysedSlideVectors.Newest> out = new LinkedHashMap<>();
        Map<UUID, OffsetDateTime> times = new HashMap<>();
        for (int from = 0; from < slideIds.size(); from += IN_CHUNK) {
            jdbc.sql("SELECT slide_id, model_version, regions, mean_cls4k, created_at FROM slide_result"
                            + " WHERE slide_id IN (:ids)")
                    .param("ids", slideIds.subList(from, Math.min(slideIds.size(), from + IN_CHUNK)))
                    .query((RowCallbackHandler) rs -> {
                        UUID id = rs.getObject(1, UUID.class);
                        String version = rs.getString(2);
                        OffsetDateTime created = rs.getObject(5, OffsetDateTime.class);
                        AnalysedSlideVectors.Newest best = out.get(id);
                        if (best == null || newer(created, version, times.get(id), best.modelVersion())) {
                            out.put(id, new AnalysedSlideVectors.Newest(id, version, rs.getInt(3),
                                    Vectors.fromBytes(rs.getBytes(4))));
                            times.put(id, created);
                        }
                    });
        }
        return out;
    }

    private static boolean newer(OffsetDateTime created, String version, OffsetDateTime bestCreated,
                                 String bestVersion) {
        int byTime = created.compareTo(bestCreated);
        return byTime > 0 || byTime == 0 && version.compareTo(bestVersion) < 0;
    }

    /** One row of {@code slide_result}, as the bulk load reads it. */
    private record Row(UUID slideId, String modelVersion, float[] meanCls4k, OffsetDateTime createdAt) {
    }

    /**
     * Puts the newest embedding of every slide into {@code target}, reading {@code slide_result} in primary-key order
     * in chunks of {@value #LOAD_CHUNK} rows (keyset paging: each chunk starts after the last key of the one before,
     * so no query holds a cursor over the whole table, and the PostgreSQL driver never buffers more than a chunk).
     * A slide's rows arrive together, in model-version order.
     */
    private static void loadInto(JdbcClient jdbc, SlideEmbeddingIndex target) {
        Row best = null;
        Row last = null;
        List<Row> rows;
        do {
            rows = chunk(jdbc, last);
            for (Row row : rows) {
                if (best == null || !row.slideId().equals(best.slideId())) {
                    if (best != null) {
                        target.put(best.slideId(), best.modelVersion(), best.meanCls4k());
                    }
                    best = row;
                } else if (newer(row.createdAt(), row.modelVersion(), best.createdAt(), best.modelVersion())) {
                    best = row;
                }
            }
            last = rows.isEmpty() ? last : rows.get(rows.size() - 1);
        } while (rows.size() == LOAD_CHUNK);
        if (best != null) {
            target.put(best.slideId(), best.modelVersion(), best.meanCls4k());
        }
    }

    private static List<Row> chunk(JdbcClient jdbc, Row after) {
        // a row-value comparison, so PostgreSQL walks the primary key from there instead of filtering the table
        String where = after == null ? "" : " WHERE (slide_id, model_version) > (:slide, :version)";
        JdbcClient.StatementSpec sql = jdbc.sql("SELECT slide_id, model_version, mean_cls4k, created_at"
                + " FROM slide_result" + where + " ORDER BY slide_id, model_version FETCH FIRST " + LOAD_CHUNK
                + " ROWS ONLY");
        if (after != null) {
            sql = sql.param("slide", after.slideId()).param("version", after.modelVersion());
        }
        return sql.query((rs, n) -> new Row(rs.getObject(1, UUID.class), rs.getString(2),
                Vectors.fromBytes(rs.getBytes(3)), rs.getObject(4, OffsetDateTime.class))).list();
    }

    /** Stamps the slide as changed now (database clock); called before the change itself is written. */
    void markChanged(UUID slideId) {
        if (jdbc.sql("UPDATE slide_result_change SET changed_at = CURRENT_TIMESTAMP WHERE slide_id = ?")
                .param(slideId).update() > 0) {
            return;
        }
        try {
            jdbc.sql("INSERT INTO slide_result_change (slide_id, changed_at) VALUES (?, CURRENT_TIMESTAMP)")
                    .param(slideId).update();
        } catch (DuplicateKeyException raced) {
            // another writer stamped the slide between our update and insert: its stamp is as fresh
        }
    }

    private OffsetDateTime databaseNow() {
        return jdbc.sql("SELECT CURRENT_TIMESTAMP").query(OffsetDateTime.class).single();
    }
}
