package dev.hipt.training.pretraining;

import dev.hipt.job.JobStatus;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Repository;
import tools.jackson.databind.json.JsonMapper;

import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

/**
 * Pretraining job rows and their loss history. Updates by a running attempt name the attempt, so one that another
 * worker took over (after a missed heartbeat) changes nothing.
 */
@Repository
class PretrainingJobRepository {

    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final int DETAIL_MAX = 4000;

    private final JdbcClient jdbc;

    PretrainingJobRepository(JdbcClient jdbc) {
        this.jdbc = jdbc;
    }

    void insert(UUID id, PretrainingSettings settings) {
        OffsetDateTime now = now();
        jdbc.sql("""
                insert into pretraining_job (id, stage, status, request, total_iterations, created_at, updated_at)
                values (:id, :stage, 'QUEUED', :request, :total, :now, :now)""")
                .param("id", id).param("stage", settings.stage())
                .param("request", JSON.writeValueAsString(settings)).param("total", settings.iterations())
                .param("now", now).update();
    }

    Optional<PretrainingJob> find(UUID id) {
        return jdbc.sql("select * from pretraining_job where id = :id").param("id", id)
                .query(PretrainingJobRepository::map).optional();
    }

    /** The losses in iteration order: {@code [iteration, epoch, loss]}. */
    List<LossPoint> losses(UUID id) {
        return jdbc.sql("select iteration, epoch, loss from pretraining_loss where job_id = :id order by iteration")
                .param("id", id)
                .query((rs, n) -> new LossPoint(rs.getInt("iteration"), rs.getInt("epoch"), rs.getDouble("loss")))
                .list();
    }

    /** QUEUED or RUNNING (a dead worker's) to RUNNING for attempt {@code attempts + 1}. */
    boolean start(PretrainingJob job) {
        OffsetDateTime now = now();
        return jdbc.sql("""
                update pretraining_job set status = 'RUNNING', attempts = attempts + 1,
                  started_at = coalesce(started_at, :now), updated_at = :now, version = version + 1
                where id = :id and attempts = :attempts and status in ('QUEUED', 'RUNNING')""")
                .param("id", job.id()).param("attempts", job.attempts()).param("now", now).update() == 1;
    }

    /** A resumed attempt restarts at {@code iteration}: the losses after it are computed again. */
    boolean resumedAt(UUID id, int attempt, int iteration, int epoch, int itersPerEpoch) {
        jdbc.sql("delete from pretraining_loss where job_id = :id and iteration > :iteration")
                .param("id", id).param("iteration", iteration).update();
        return jdbc.sql("""
                update pretraining_job set iteration = :iteration, epoch = :epoch, iters_per_epoch = :ipe,
                  updated_at = :now where id = :id and attempts = :attempt and status = 'RUNNING'""")
                .param("id", id).param("attempt", attempt).param("iteration", iteration).param("epoch", epoch)
                .param("ipe", itersPerEpoch).param("now", now()).update() == 1;
    }

    /** Records the loss of the step that reached {@code iteration}. */
    boolean progress(UUID id, int attempt, int iteration, int epoch, double loss) {
        boolean owned = jdbc.sql("""
                update pretraining_job set iteration = :iteration, epoch = :epoch, updated_at = :now
                where id = :id and attempts = :attempt and status = 'RUNNING'""")
                .param("id", id).param("attempt", attempt).param("iteration", iteration).param("epoch", epoch)
                .param("now", now()).update() == 1;
        if (owned) {
            jdbc.sql("delete from pretraining_loss where job_id = :id and iteration = :iteration")
                    .param("id", id).param("iteration", iteration).update();
            jdbc.sql("insert into pretraining_loss (job_id, iteration, epoch, loss) values (:id, :it, :epoch, :loss)")
                    .param("id", id).param("it", iteration).param("epoch", epoch)
                    .param("loss", Double.isFinite(loss) ? loss : Double.MAX_VALUE).update();
        }
        return owned;
    }

    void checkpointed(UUID id, int iteration) {
        jdbc.sql("update pretraining_job set checkpoint_iteration = :it, updated_at = :now where id = :id")
                .param("id", id).param("it", iteration).param("now", now()).update();
    }

    boolean cancelRequested(UUID id) {
        return jdbc.sql("select cancel_requested from pretraining_job where id = :id").param("id", id)
                .query(Boolean.class).optional().orElse(true);
    }

    /** Asks for a cancel; a queued job that no worker holds ends CANCELLED at once. */
    void requestCancel(UUID id) {
        OffsetDateTime now = now();
        jdbc.sql("""
                update pretraining_job set cancel_requested = true, updated_at = :now, version = version + 1
                where id = :id and status in ('QUEUED', 'RUNNING')""").param("id", id).param("now", now).update();
        jdbc.sql("""
                update pretraining_job set status = 'CANCELLED', finished_at = :now, updated_at = :now
                where id = :id and status = 'QUEUED'""").param("id", id).param("now", now).update();
    }

    /** Ends a job that no attempt runs (QUEUED, or RUNNING left by a dead worker). */
    boolean finishIdle(PretrainingJob job, JobStatus status, String code, String detail) {
        return jdbc.sql("""
                update pretraining_job set status = :status, error_code = :code, error_detail = :detail,
                  finished_at = :now, updated_at = :now, version = version + 1
                where id = :id and attempts = :attempts and status in ('QUEUED', 'RUNNING')""")
                .param("id", job.id()).param("attempts", job.attempts()).param("status", status.name())
                .param("code", code).param("detail", clip(detail)).param("now", now()).update() == 1;
    }

    boolean finishRunning(UUID id, int attempt, JobStatus status, String code, String detail, UUID modelId) {
        return jdbc.sql("""
                update pretraining_job set status = :status, error_code = :code, error_detail = :detail,
                  model_id = :model, finished_at = :now, updated_at = :now, version = version + 1
                where id = :id and attempts = :attempt and status = 'RUNNING'""")
                .param("id", id).param("attempt", attempt).param("status", status.name()).param("code", code)
                .param("detail", clip(detail)).param("model", modelId).param("now", now()).update() == 1;
    }

    /**
     * Back to QUEUED without spending the attempt (yielding to analyses, or this process shutting down), or, with
     * {@code code}, after a transient error that did spend it.
     */
    boolean requeue(UUID id, int attempt, boolean countAttempt, String code, String detail) {
        return jdbc.sql("""
                update pretraining_job set status = 'QUEUED', attempts = :attempts, error_code = :code,
                  error_detail = :detail, updated_at = :now, version = version + 1
                where id = :id and attempts = :attempt and status = 'RUNNING'""")
                .param("id", id).param("attempt", attempt).param("attempts", countAttempt ? attempt : attempt - 1)
                .param("code", code).param("detail", clip(detail)).param("now", now()).update() == 1;
    }

    private static PretrainingJob map(ResultSet rs, int row) throws SQLException {
        int checkpoint = rs.getInt("checkpoint_iteration");
        Integer checkpointIteration = rs.wasNull() ? null : checkpoint;
        return new PretrainingJob(rs.getObject("id", UUID.class), rs.getInt("stage"),
                JobStatus.valueOf(rs.getString("status")),
                JSON.readValue(rs.getString("request"), PretrainingSettings.class), rs.getInt("iteration"),
                rs.getInt("epoch"), rs.getInt("iters_per_epoch"), checkpointIteration,
                rs.getObject("model_id", UUID.class), rs.getInt("attempts"), rs.getBoolean("cancel_requested"),
                rs.getString("error_code"), rs.getString("error_detail"), instant(rs, "created_at"),
                instant(rs, "started_at"), instant(rs, "finished_at"));
    }

    private static Instant instant(ResultSet rs, String column) throws SQLException {
        OffsetDateTime value = rs.getObject(column, OffsetDateTime.class);
        return value == null ? null : value.toInstant();
    }

    private static OffsetDateTime now() {
        return Instant.now().truncatedTo(ChronoUnit.MICROS).atOffset(ZoneOffset.UTC);
    }

    private static String clip(String detail) {
        return detail == null || detail.length() <= DETAIL_MAX ? detail : detail.substring(0, DETAIL_MAX);
    }

    /** One iteration's loss. */
    record LossPoint(int iteration, int epoch, double loss) {
    }
}
