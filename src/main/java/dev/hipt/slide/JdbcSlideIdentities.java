package dev.hipt.slide;

import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import org.springframework.jdbc.core.RowCallbackHandler;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Component;

/** {@link SlideIdentities} on the {@code slides} table, in chunks that keep IN lists small. */
@Component
class JdbcSlideIdentities implements SlideIdentities {

    private static final int CHUNK = 500;

    private final JdbcClient jdbc;

    JdbcSlideIdentities(JdbcClient jdbc) {
        this.jdbc = jdbc;
    }

    @Override
    public Set<UUID> existing(Collection<UUID> ids) {
        Set<UUID> out = new HashSet<>();
        List<UUID> all = List.copyOf(ids);
        for (int from = 0; from < all.size(); from += CHUNK) {
            out.addAll(jdbc.sql("SELECT id FROM slides WHERE id IN (:ids)")
                    .param("ids", all.subList(from, Math.min(all.size(), from + CHUNK)))
                    .query(UUID.class).list());
        }
        return out;
    }

    @Override
    public Map<String, List<UUID>> byExternalId(Collection<String> externalIds) {
        Map<String, List<UUID>> out = new LinkedHashMap<>();
        List<String> all = List.copyOf(new HashSet<>(externalIds));
        for (int from = 0; from < all.size(); from += CHUNK) {
            jdbc.sql("SELECT external_id, id FROM slides WHERE external_id IN (:ids) ORDER BY created_at")
                    .param("ids", all.subList(from, Math.min(all.size(), from + CHUNK)))
                    .query((RowCallbackHandler) rs -> out.computeIfAbsent(rs.getString(1), k -> new ArrayList<>())
                            .add(rs.getObject(2, UUID.class)));
        }
        return out;
    }
}
