package dev.hipt.training;

import dev.hipt.job.JobStatus;
import dev.hipt.job.JobView;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Repository;
import tools.jackson.core.type.TypeReference;
import tools.jackson.databind.json.JsonMapper;

/** The {@code training_job} table (V11); state changes are conditional updates on the current status. */
@Repository
class TrainingJobRepository {

    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final String COLUMNS = "id, task, label_set_id, status, options, epoch, epochs, history,"
            + " metrics, model_id, error_code, error_detail, cancel_requested, created_at, started_at, finished_at";

    private final JdbcClient jdbc;

    TrainingJobRepository(JdbcClient jdbc) {
        this.jdbc = jdbc;
    }

    void insert(UUID id, HeadTask task, UUID labelSetId, TrainingOptions options) {
        jdbc.sql("INSERT INTO training_job (id, task, label_set_id, status, options, epoch, epochs, history,"
                        + " cancel_requested, attempts, created_at) VALUES (?, ?, ?, ?, ?, 0, ?, '[]', false, 0, ?)")
                .params(id, task.name(), labelSetId, JobStatus.QUEUED.name(), JSON.writeValueAsString(options),
                        options.epochs(), now())
                .update();
    }

    Optional<TrainingJobView> find(UUID id) {
        return jdbc.sql("SELECT " + COLUMNS + " FROM training_job WHERE id = ?").param(id)
                .query((rs, n) -> row(rs)).optional();
    }

    /** QUEUED (or RUNNING, on a revived attempt) to RUNNING; false when the job has ended or is being cancelled. */
    boolean start(UUID id) {
        return jdbc.sql("UPDATE training_job SET status = 'RUNNING', started_at = ?, attempts = attempts + 1,"
                        + " epoch = 0, history = '[]' WHERE id = ? AND status IN ('QUEUED', 'RUNNING')"
                        + " AND cancel_requested = false")
                .params(now(), id).update() == 1;
    }

    void progress(UUID id, int epoch, List<TrainingJobView.Epoch> history) {
        jdbc.sql("UPDATE training_job SET epoch = ?, history = ? WHERE id = ? AND status = 'RUNNING'")
                .params(epoch, JSON.writeValueAsString(history), id).update();
    }

    void succeed(UUID id, Map<String, Object> metrics, UUID modelId) {
        jdbc.sql("UPDATE training_job SET status = 'SUCCEEDED', metrics = ?, model_id = ?, finished_at = ?"
                        + " WHERE id = ? AND status = 'RUNNING'")
                .params(JSON.writeValueAsString(metrics), modelId, now(), id).update();
    }

    /** Ends a job that has not ended: FAILED with an error, or CANCELLED (code null). */
    boolean finish(UUID id, JobStatus status, String code, String detail) {
        String cut = detail == null ? null : detail.substring(0, Math.min(detail.length(), 2000));
        return jdbc.sql("UPDATE training_job SET status = ?, error_code = ?, error_detail = ?, finished_at = ?"
                        + " WHERE id = ? AND status IN ('QUEUED', 'RUNNING')")
                .params(status.name(), code, cut, now(), id).update() == 1;
    }

    /** Hands a running job back to the queue (this process shuts down). */
    void requeue(UUID id) {
        jdbc.sql("UPDATE training_job SET status = 'QUEUED' WHERE id = ? AND status = 'RUNNING'").param(id).update();
    }

    boolean requestCancel(UUID id) {
        return jdbc.sql("UPDATE training_job SET cancel_requested = true WHERE id = ? AND status IN ('QUEUED',"
                + " 'RUNNING')").param(id).update() == 1;
    }

    boolean cancelRequested(UUID id) {
        return jdbc.sql("SELECT cancel_requested FROM training_job WHERE id = ?").param(id).query(Boolean.class)
                .optional().orElse(true);
    }

    private static OffsetDateTime now() {
        return OffsetDateTime.now(ZoneOffset.UTC);
    }

    private static Instant instant(ResultSet rs, String column) throws SQLException {
        OffsetDateTime t = rs.getObject(column, OffsetDateTime.class);
        return t == null ? null : t.toInstant();
    }

    private static TrainingJobView row(ResultSet rs) throws SQLException {
        String code = rs.getString("error_code");
        String metrics = rs.getString("metrics");
        return new TrainingJobView(rs.getObject("id", UUID.class), HeadTask.valueOf(rs.getString("task")),
                rs.getObject("label_set_id", UUID.class), JobStatus.valueOf(rs.getString("status")),
                new TrainingJobView.Progress(rs.getInt("epoch"), rs.getInt("epochs")),
                JSON.readValue(rs.getString("options"), TrainingOptions.class),
                JSON.readValue(rs.getString("history"), new TypeReference<List<TrainingJobView.Epoch>>() { }),
                metrics == null ? null : JSON.readValue(metrics, new TypeReference<Map<String, Object>>() { }),
                rs.getObject("model_id", UUID.class),
                code == null ? null : new JobView.JobError(code, rs.getString("error_detail")),
                instant(rs, "created_at"), instant(rs, "started_at"), instant(rs, "finished_at"));
    }
}
