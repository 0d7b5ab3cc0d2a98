package dev.hipt.results;

import dev.hipt.model.SubtypePrediction;
import dev.hipt.model.SurvivalPrediction;
import dev.hipt.storage.BlobStore;
import dev.hipt.system.ApiException;
import dev.hipt.system.ErrorCodes;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.dao.DataIntegrityViolationException;
import org.springframework.dao.DuplicateKeyException;
import org.springframework.http.HttpStatus;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Repository;
import org.springframework.transaction.support.TransactionSynchronization;
import org.springframework.transaction.support.TransactionSynchronizationManager;
import tools.jackson.databind.json.JsonMapper;

/**
 * Results in the database ({@code region_embedding}, {@code slide_result}) and cls256 grids as {@code .npy} blobs under
 * {@code results/<slideId>/<modelVersion>/region-<x>-<y>-<width>x<height>.npy}: a region is identified by its level-0
 * geometry, never by its index, which is only its position in the newest grid.
 *
 * <p>Writes are idempotent without vendor-specific upserts: update the row, insert it when there was none, and update
 * again when a concurrent writer inserted first. A region's blob is written before its row, so a row never points at a
 * missing blob; the blob key is fixed per (slide, model version, geometry), so a rewrite replaces the blob.
 *
 * <p>It also owns the in-memory similar-slides index over the slide results ({@link IndexedSlideEmbeddings}), so
 * that no slide result is written or deleted without the index hearing of it: a write stamps the slide's change row
 * first (which other replicas poll) and refreshes the slide in this replica's index once committed.
 */
@Repository
class JdbcRegionResults implements RegionResults {

    static final String PREFIX = "results/";

    private static final Pattern SAFE_VERSION = Pattern.compile("[A-Za-z0-9_-][A-Za-z0-9._-]{0,63}");
    private static final JsonMapper JSON = JsonMapper.builder().build();

    /** The one order of a slide's regions: /embeddings, the patches .npy and the slide result all read it. */
    private static final String ORDER = " ORDER BY region_index, y, x";
    private static final String BY_GEOMETRY =
            " WHERE slide_id = ? AND model_version = ? AND x = ? AND y = ? AND width = ? AND height = ?";

    private static final Logger log = LoggerFactory.getLogger(JdbcRegionResults.class);

    private final JdbcClient jdbc;
    private final BlobStore blobs;
    private final IndexedSlideEmbeddings embeddings;

    JdbcRegionResults(JdbcClient jdbc, BlobStore blobs) {
        this.jdbc = jdbc;
        this.blobs = blobs;
        this.embeddings = new IndexedSlideEmbeddings(jdbc);
    }

    /** The similar-slides index over the slide results this repository writes. */
    IndexedSlideEmbeddings embeddings() {
        return embeddings;
    }

    /** The slide-level result row with the provenance it was made with. */
    record StoredSlideResult(UUID slideId, Provenance provenance, SlideResult result, OffsetDateTime createdAt) {
    }

    /** Where a region's cls256 grid lives, without loading it. */
    record RegionBlob(int index, String cls256Key) {
    }

    static String slidePrefix(UUID slideId) {
        return PREFIX + slideId + "/";
    }

    static String cls256Key(UUID slideId, String modelVersion, long x, long y, long width, long height) {
        return slidePrefix(slideId) + modelVersion + "/region-" + x + "-" + y + "-" + width + "x" + height + ".npy";
    }

    @Override
    public List<StoredRegion> storedRegions(UUID slideId, String modelVersion) {
        return jdbc.sql("""
                        SELECT region_index, x, y, width, height, tissue_fraction, job_id FROM region_embedding
                        WHERE slide_id = ? AND model_version = ? """ + ORDER)
                .params(slideId, modelVersion)
                .query((rs, n) -> new StoredRegion(rs.getInt(1), rs.getLong(2), rs.getLong(3), rs.getLong(4),
                        rs.getLong(5), rs.getDouble(6), rs.getObject(7, UUID.class)))
                .list();
    }

    @Override
    public void relocate(UUID slideId, String modelVersion, StoredRegion region, int index, double tissueFraction) {
        jdbc.sql("UPDATE region_embedding SET region_index = ?, tissue_fraction = ?" + BY_GEOMETRY)
                .params(index, tissueFraction, slideId, modelVersion, region.x(), region.y(), region.width(),
                        region.height())
                .update();
    }

    @Override
    public void drop(UUID slideId, String modelVersion, StoredRegion region) {
        Object[] where = {slideId, modelVersion, region.x(), region.y(), region.width(), region.height()};
        Optional<String> blob = blobKey(where);
        // row first: a row must never point at a blob that is gone
        jdbc.sql("DELETE FROM region_embedding" + BY_GEOMETRY).params(where).update();
        blob.ifPresent(this::deleteBlob);
    }

    @Override
    public void store(UUID slideId, Provenance provenance, UUID jobId, RegionResult region) {
        String version = requireVersion(provenance);
        String key = cls256Key(slideId, version, region.x(), region.y(), region.width(), region.height());
        Optional<String> previousKey = blobKey(new Object[] {slideId, version, region.x(), region.y(),
                region.width(), region.height()}).filter(previous -> !previous.equals(key));
        try {
            if (region.cls256() != null) {
                int dim = region.mean256().length;
                if (dim == 0 || region.cls256().length % dim != 0) {
                    throw new IllegalArgumentException("cls256 of " + region.cls256().length
                            + " values is not a [patches x " + dim + "] grid");
                }
                ByteArrayOutputStream npy = new ByteArrayOutputStream(region.cls256().length * Float.BYTES + 128);
                Npy.write(npy, region.cls256(), region.cls256().length / dim, dim);
                blobs.put(key, new ByteArrayInputStream(npy.toByteArray()));
            } else {
                blobs.delete(key);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write cls256 blob " + key, e);
        }
        String blobKey = region.cls256() == null ? null : key;
        Object[] values = {region.index(), region.tissueFraction(), Vectors.toBytes(region.cls4k()),
                Vectors.toBytes(region.mean256()), blobKey, jobId, now(),
                slideId, version, region.x(), region.y(), region.width(), region.height()};
        upsert("""
                UPDATE region_embedding SET region_index = ?, tissue_fraction = ?, cls4k = ?, mean256 = ?,
                  cls256_blob_key = ?, job_id = ?, created_at = ?""" + BY_GEOMETRY, """
                INSERT INTO region_embedding (region_index, tissue_fraction, cls4k, mean256, cls256_blob_key, job_id,
                  created_at, slide_id, model_version, x, y, width, height)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""", values);
        // a row stored before V5 named its blob by region index: that blob is now garbage
        previousKey.ifPresent(this::deleteBlob);
    }

    /** The cls256 blob key of the region at {@code (slide, version, x, y, width, height)}, if stored with one. */
    private Optional<String> blobKey(Object[] geometry) {
        return jdbc.sql("SELECT cls256_blob_key FROM region_embedding" + BY_GEOMETRY).params(geometry)
                .query((rs, n) -> Optional.ofNullable(rs.getString(1))).optional().flatMap(key -> key);
    }

    private void deleteBlob(String key) {
        try {
            blobs.delete(key);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot delete cls256 blob " + key, e);
        }
    }

    @Override
    public List<RegionResult> load(UUID slideId, String modelVersion, boolean withCls256) {
        return jdbc.sql("""
                        SELECT region_index, x, y, width, height, tissue_fraction, cls4k, mean256, cls256_blob_key
                        FROM region_embedding WHERE slide_id = ? AND model_version = ? """ + ORDER)
                .params(slideId, modelVersion)
                .query((rs, n) -> regionRow(rs, withCls256 ? rs.getString("cls256_blob_key") : null))
                .list();
    }

    @Override
    public List<String> modelVersions(UUID slideId) {
        return jdbc.sql("select distinct model_version from region_embedding where slide_id = ? order by model_version")
                .params(slideId).query(String.class).list();
    }

    @Override
    public void storeSlide(UUID slideId, Provenance provenance, SlideResult result) {
        String version = requireVersion(provenance);
        Object[] values = {result.regions(), Vectors.toBytes(result.meanCls4k()), provenance.untrained(),
                JSON.writeValueAsString(provenance),
                result.subtype() == null ? null : JSON.writeValueAsString(result.subtype()),
                result.survival() == null ? null : JSON.writeValueAsString(result.survival()),
                now(), slideId, version};
        embeddings.markChanged(slideId);
        try {
            upsert("""
                    UPDATE slide_result SET regions = ?, mean_cls4k = ?, untrained = ?, provenance = ?, subtype = ?,
                      survival = ?, created_at = ?
                    WHERE slide_id = ? AND model_version = ?""", """
                    INSERT INTO slide_result (regions, mean_cls4k, untrained, provenance, subtype, survival,
                      created_at, slide_id, model_version)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)""", values);
        } catch (DataIntegrityViolationException slideGone) {
            // every column is set and a duplicate is handled: the foreign key refused a slide deleted meanwhile
            throw new ApiException(HttpStatus.NOT_FOUND, ErrorCodes.NOT_FOUND, "Slide " + slideId + " does not exist",
                    slideGone);
        }
        refreshIndexAfterCommit(slideId);
    }

    @Override
    public void deleteForSlide(UUID slideId) {
        embeddings.markChanged(slideId);
        // rows first: a row must never point at a blob that is gone; a blob left behind is only garbage
        jdbc.sql("DELETE FROM region_embedding WHERE slide_id = ?").param(slideId).update();
        jdbc.sql("DELETE FROM slide_result WHERE slide_id = ?").param(slideId).update();
        refreshIndexAfterCommit(slideId);
        try {
            blobs.deletePrefix(slidePrefix(slideId));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot delete result blobs of slide " + slideId, e);
        }
    }

    /** The newest slide-level result of a slide, whatever its model version. */
    Optional<StoredSlideResult> latestSlideResult(UUID slideId) {
        return jdbc.sql("""
                        SELECT slide_id, regions, mean_cls4k, provenance, subtype, survival, created_at
                        FROM slide_result WHERE slide_id = ?
                        ORDER BY created_at DESC, model_version
                        FETCH FIRST 1 ROWS ONLY""")
                .param(slideId)
                .query((rs, n) -> slideRow(rs))
                .optional();
    }

    /** Every slide-level result of a slide, one per model version, newest first. */
    List<StoredSlideResult> slideResults(UUID slideId) {
        return jdbc.sql("""
                        SELECT slide_id, regions, mean_cls4k, provenance, subtype, survival, created_at
                        FROM slide_result WHERE slide_id = ?
                        ORDER BY created_at DESC, model_version""")
                .param(slideId)
                .query((rs, n) -> slideRow(rs))
                .list();
    }

    /** The cls256 blob keys of a slide's regions in index order, the order of {@link #load}. */
    List<RegionBlob> regionBlobs(UUID slideId, String modelVersion) {
        return jdbc.sql("""
                        SELECT region_index, cls256_blob_key FROM region_embedding
                        WHERE slide_id = ? AND model_version = ? """ + ORDER)
                .params(slideId, modelVersion)
                .query((rs, n) -> new RegionBlob(rs.getInt(1), rs.getString(2)))
                .list();
    }

    /**
     * Brings the slide's entry in the similar-slides index up to date once the write is committed (at once outside a
     * transaction). A failure here loses nothing: the slide's change stamp makes the next poll re-read it.
     */
    private void refreshIndexAfterCommit(UUID slideId) {
        Runnable refresh = () -> {
            try {
                embeddings.refresh(List.of(slideId));
            } catch (RuntimeException e) {
                log.warn("Could not refresh slide {} in the similar-slides index (the next poll will): {}", slideId,
                        e.toString());
            }
        };
        if (TransactionSynchronizationManager.isSynchronizationActive()) {
            TransactionSynchronizationManager.registerSynchronization(new TransactionSynchronization() {
                @Override
                public void afterCommit() {
                    refresh.run();
                }
            });
        } else {
            refresh.run();
        }
    }

    InputStream openBlob(String key) throws IOException {
        return blobs.open(key);
    }

    private RegionResult regionRow(ResultSet rs, String cls256Key) throws SQLException {
        return new RegionResult(rs.getInt("region_index"), rs.getLong("x"), rs.getLong("y"), rs.getLong("width"),
                rs.getLong("height"), rs.getDouble("tissue_fraction"), Vectors.fromBytes(rs.getBytes("cls4k")),
                Vectors.fromBytes(rs.getBytes("mean256")), cls256Key == null ? null : readCls256(cls256Key));
    }

    private float[] readCls256(String key) {
        try (InputStream in = blobs.open(key)) {
            return Npy.read(in).data();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read cls256 blob " + key, e);
        }
    }

    private static StoredSlideResult slideRow(ResultSet rs) throws SQLException {
        String subtype = rs.getString("subtype");
        String survival = rs.getString("survival");
        SlideResult result = new SlideResult(rs.getInt("regions"), Vectors.fromBytes(rs.getBytes("mean_cls4k")),
                subtype == null ? null : JSON.readValue(subtype, SubtypePrediction.class),
                survival == null ? null : JSON.readValue(survival, SurvivalPrediction.class));
        return new StoredSlideResult(rs.getObject("slide_id", UUID.class),
                JSON.readValue(rs.getString("provenance"), Provenance.class), result,
                rs.getObject("created_at", OffsetDateTime.class));
    }

    private void upsert(String update, String insert, Object[] values) {
        if (jdbc.sql(update).params(values).update() > 0) {
            return;
        }
        try {
            jdbc.sql(insert).params(values).update();
        } catch (DuplicateKeyException raced) {
            // another writer inserted the same key between our update and insert: ours replaces it
            jdbc.sql(update).params(values).update();
        }
    }

    private static String requireVersion(Provenance provenance) {
        if (provenance == null || provenance.modelVersion() == null || provenance.modelVersion().isBlank()) {
            throw new IllegalArgumentException("a result needs the model version of its provenance");
        }
        if (!SAFE_VERSION.matcher(provenance.modelVersion()).matches()) {
            // the version becomes part of a blob key
            throw new IllegalArgumentException("model version '" + provenance.modelVersion()
                    + "' may only hold letters, digits, '.', '_' and '-' (at most 64)");
        }
        return provenance.modelVersion();
    }

    private static OffsetDateTime now() {
        return OffsetDateTime.now(ZoneOffset.UTC);
    }
}
