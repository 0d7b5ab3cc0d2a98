package dev.hipt.training.pretraining;

import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Component;

import java.util.Collection;
import java.util.List;
import java.util.UUID;

/**
 * The stored slides a pretraining job reads: where their file lives and the microns per pixel the service resolved
 * for them at upload. Reads the slide feature's table (read-only), as the upload left it.
 */
@Component
class PretrainingSlides {

    private final JdbcClient jdbc;

    PretrainingSlides(JdbcClient jdbc) {
        this.jdbc = jdbc;
    }

    /** The slides among {@code ids} that exist, in no particular order. */
    List<StoredSlide> find(Collection<UUID> ids) {
        if (ids.isEmpty()) {
            return List.of();
        }
        return jdbc.sql("select id, blob_key, mpp_x from slides where id in (:ids)").param("ids", ids)
                .query((rs, n) -> slide(rs.getObject("id", UUID.class), rs.getString("blob_key"),
                        rs.getDouble("mpp_x"), rs.wasNull())).list();
    }

    /** The ids of every stored slide, oldest first, at most {@code limit + 1} (to tell "too many"). */
    List<UUID> allIds(int limit) {
        return jdbc.sql("select id from slides order by created_at, id").query(UUID.class).list().stream()
                .limit(limit + 1L).toList();
    }

    private static StoredSlide slide(UUID id, String blobKey, double mpp, boolean noMpp) {
        return new StoredSlide(id, blobKey, noMpp ? null : mpp);
    }

    /**
     * A stored slide.
     *
     * @param mpp microns per pixel as resolved at upload (the request's or the file's), null when unknown
     */
    record StoredSlide(UUID id, String blobKey, Double mpp) {
    }
}
