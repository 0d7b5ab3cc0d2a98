package dev.hipt.slide;

import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Repository;
import org.springframework.transaction.annotation.Transactional;

/** The {@code slides} and {@code slide_levels} tables (Flyway {@code V1__slides.sql}). */
@Repository
class SlideRepository {

    private static final String COLUMNS = "id, external_id, filename, sha256, size_bytes, blob_key, file_format,"
            + " vendor, width, height, mpp_x, mpp_y, mpp_source, objective_power, created_at, version";

    private final JdbcClient jdbc;

    SlideRepository(JdbcClient jdbc) {
        this.jdbc = jdbc;
    }

    /** Inserts the slide and its levels; a second slide with the same sha256 fails with DuplicateKeyException. */
    @Transactional
    void insert(Slide slide) {
        OffsetDateTime created = OffsetDateTime.ofInstant(slide.createdAt(), ZoneOffset.UTC);
        jdbc.sql("insert into slides (" + COLUMNS + ", updated_at) values (:id, :externalId, :filename, :sha256,"
                        + " :sizeBytes, :blobKey, :format, :vendor, :width, :height, :mppX, :mppY, :mppSource,"
                        + " :objectivePower, :createdAt, 0, :createdAt)")
                .param("id", slide.id())
                .param("externalId", slide.externalId())
                .param("filename", slide.filename())
                .param("sha256", slide.sha256())
                .param("sizeBytes", slide.sizeBytes())
                .param("blobKey", slide.blobKey())
                .param("format", slide.format())
                .param("vendor", slide.vendor())
                .param("width", slide.width())
                .param("height", slide.height())
                .param("mppX", slide.mppX())
                .param("mppY", slide.mppY())
                .param("mppSource", slide.mppSource())
                .param("objectivePower", slide.objectivePower())
                .param("createdAt", created)
                .update();
        for (int i = 0; i < slide.levels().size(); i++) {
            SlideView.LevelView level = slide.levels().get(i);
            jdbc.sql("insert into slide_levels (slide_id, level_index, width, height, downsample)"
                            + " values (?, ?, ?, ?, ?)")
                    .params(slide.id(), i, level.width(), level.height(), level.downsample())
                    .update();
        }
    }

    Optional<Slide> findById(UUID id) {
        return jdbc.sql("select " + COLUMNS + " from slides where id = ?").param(id)
                .query((rs, n) -> row(rs)).optional().map(this::withLevels);
    }

    Optional<Slide> findBySha256(String sha256) {
        return jdbc.sql("select " + COLUMNS + " from slides where sha256 = ?").param(sha256)
                .query((rs, n) -> row(rs)).optional().map(this::withLevels);
    }

    /** Newest first. */
    List<Slide> page(int page, int size) {
        return jdbc.sql("select " + COLUMNS + " from slides order by created_at desc, id limit ? offset ?")
                .params(size, (long) page * size)
                .query((rs, n) -> row(rs)).list().stream().map(this::withLevels).toList();
    }

    long count() {
        return jdbc.sql("select count(*) from slides").query(Long.class).single();
    }

    /** Records the microns per pixel given with a later upload of the same bytes. */
    void updateMpp(UUID id, double mpp, String source) {
        jdbc.sql("update slides set mpp_x = ?, mpp_y = ?, mpp_source = ?, updated_at = ?, version = version + 1"
                        + " where id = ?")
                .params(mpp, mpp, source, OffsetDateTime.now(ZoneOffset.UTC), id)
                .update();
    }

    /**
     * Sets the caller's identifier of a slide that has none yet; false when the slide has one already (possibly
     * set by a concurrent upload).
     */
    boolean setExternalIdIfNone(UUID id, String externalId) {
        return jdbc.sql("update slides set external_id = ?, updated_at = ?, version = version + 1"
                        + " where id = ? and external_id is null")
                .params(externalId, OffsetDateTime.now(ZoneOffset.UTC), id)
                .update() == 1;
    }

    /** Deletes the slide; its levels, jobs and results go with it (foreign keys cascade). */
    boolean delete(UUID id) {
        return jdbc.sql("delete from slides where id = ?").param(id).update() > 0;
    }

    private Slide withLevels(Slide slide) {
        List<SlideView.LevelView> levels = jdbc.sql("select width, height, downsample from slide_levels"
                        + " where slide_id = ? order by level_index")
                .param(slide.id())
                .query((rs, n) -> new SlideView.LevelView(rs.getLong(1), rs.getLong(2), rs.getDouble(3)))
                .list();
        return new Slide(slide.id(), slide.externalId(), slide.filename(), slide.sha256(), slide.sizeBytes(),
                slide.blobKey(), slide.format(), slide.vendor(), slide.width(), slide.height(), levels,
                slide.mppX(), slide.mppY(), slide.mppSource(), slide.objectivePower(), slide.createdAt(),
                slide.version());
    }

    private static Slide row(ResultSet rs) throws SQLException {
        return new Slide(rs.getObject("id", UUID.class), rs.getString("external_id"), rs.getString("filename"),
                rs.getString("sha256"), rs.getLong("size_bytes"), rs.getString("blob_key"),
                rs.getString("file_format"), rs.getString("vendor"), rs.getLong("width"), rs.getLong("height"),
                List.of(), nullableDouble(rs, "mpp_x"), nullableDouble(rs, "mpp_y"), rs.getString("mpp_source"),
                nullableDouble(rs, "objective_power"), instant(rs, "created_at"), rs.getLong("version"));
    }

    private static Double nullableDouble(ResultSet rs, String column) throws SQLException {
        double value = rs.getDouble(column);
        return rs.wasNull() ? null : value;
    }

    private static Instant instant(ResultSet rs, String column) throws SQLException {
        OffsetDateTime value = rs.getObject(column, OffsetDateTime.class);
        return value == null ? null : value.toInstant();
    }
}
