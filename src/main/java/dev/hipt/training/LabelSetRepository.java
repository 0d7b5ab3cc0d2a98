package dev.hipt.training;

import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Repository;
import org.springframework.transaction.annotation.Transactional;
import tools.jackson.core.type.TypeReference;
import tools.jackson.databind.json.JsonMapper;

/** The {@code label_set}, {@code label_set_row} and {@code knn_reference} tables (V10). */
@Repository
class LabelSetRepository {

    private static final JsonMapper JSON = JsonMapper.builder().build();

    private final JdbcClient jdbc;

    LabelSetRepository(JdbcClient jdbc) {
        this.jdbc = jdbc;
    }

    /** The set and all its rows, in one transaction: all or nothing. */
    @Transactional
    void insert(LabelSet set) {
        jdbc.sql("INSERT INTO label_set (id, name, row_count, classes, has_subtype, has_survival, created_at)"
                        + " VALUES (?, ?, ?, ?, ?, ?, ?)")
                .params(set.id(), set.name(), set.rowCount(), JSON.writeValueAsString(set.classes()),
                        set.tasks().contains(HeadTask.SUBTYPE), set.tasks().contains(HeadTask.SURVIVAL),
                        OffsetDateTime.ofInstant(set.createdAt(), ZoneOffset.UTC))
                .update();
        for (LabelSet.LabelRow r : set.rows()) {
            jdbc.sql("INSERT INTO label_set_row (label_set_id, row_number, slide_id, subtype, months, event)"
                            + " VALUES (?, ?, ?, ?, ?, ?)")
                    .params(set.id(), r.row(), r.slideId(), r.subtype(), r.months(), r.event())
                    .update();
        }
    }

    Optional<LabelSet> find(UUID id) {
        Optional<UUID> reference = reference();
        return jdbc.sql("SELECT id, name, row_count, classes, has_subtype, has_survival, created_at FROM label_set"
                        + " WHERE id = ?")
                .param(id)
                .query((rs, n) -> row(rs, reference.filter(id::equals).isPresent()))
                .optional();
    }

    /** Makes the set the kNN reference, replacing the previous one. */
    @Transactional
    void makeReference(UUID id) {
        jdbc.sql("DELETE FROM knn_reference").update();
        jdbc.sql("INSERT INTO knn_reference (singleton, label_set_id, activated_at) VALUES (1, ?, ?)")
                .params(id, OffsetDateTime.now(ZoneOffset.UTC))
                .update();
    }

    Optional<UUID> reference() {
        return jdbc.sql("SELECT label_set_id FROM knn_reference").query(UUID.class).optional();
    }

    private LabelSet row(ResultSet rs, boolean reference) throws SQLException {
        UUID id = rs.getObject("id", UUID.class);
        List<HeadTask> tasks = new ArrayList<>();
        if (rs.getBoolean("has_subtype")) {
            tasks.add(HeadTask.SUBTYPE);
        }
        if (rs.getBoolean("has_survival")) {
            tasks.add(HeadTask.SURVIVAL);
        }
        Instant created = rs.getObject("created_at", OffsetDateTime.class).toInstant();
        List<String> classes = JSON.readValue(rs.getString("classes"), new TypeReference<List<String>>() { });
        return new LabelSet(id, rs.getString("name"), rs.getInt("row_count"), classes, List.copyOf(tasks),
                reference, created, rows(id));
    }

    private List<LabelSet.LabelRow> rows(UUID id) {
        return jdbc.sql("SELECT row_number, slide_id, subtype, months, event FROM label_set_row"
                        + " WHERE label_set_id = ? ORDER BY row_number")
                .param(id)
                .query((rs, n) -> new LabelSet.LabelRow(rs.getInt(1), rs.getObject(2, UUID.class), rs.getString(3),
                        rs.getObject(4) == null ? null : rs.getDouble(4),
                        rs.getObject(5) == null ? null : rs.getBoolean(5)))
                .list();
    }
}
