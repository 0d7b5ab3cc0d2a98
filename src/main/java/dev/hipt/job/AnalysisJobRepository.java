package dev.hipt.job;

import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.EnumMap;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Repository;

/**
 * The {@code analysis_job} table. Every state change is a compare-and-set on {@code version} (and, for a running
 * job, on the attempt that owns it), so a cancel, a superseded worker and the owning worker never overwrite each
 * other.
 */
@Repository
class AnalysisJobRepository {

    private static final int DETAIL_MAX = 4000;

    private final JdbcClient jdbc;

    AnalysisJobRepository(JdbcClient jdbc) {
        this.jdbc = jdbc;
    }

    void insert(AnalysisJob job) {
        jdbc.sql("""
                        insert into analysis_job (id, slide_id, status, blob_key, mpp_override, recompute_all,
                            done_regions, total_regions, attempts, cancel_requested, created_at, updated_at, version,
                            active_slide_id)
                        values (:id, :slide, :status, :blob, :mpp, :recompute, 0, 0, 0, false, :now, :now, 0, :slide)""")
                .param("id", job.id()).param("slide", job.slideId()).param("status", job.status().name())
                .param("blob", job.blobKey()).param("mpp", job.mppOverride()).param("recompute", job.recomputeAll())
                .param("now", odt(job.createdAt()))
                .update();
    }

    /**
     * Takes the queue's lock row until the surrounding transaction ends: submissions that hold it one after the
     * other count the queue and insert their job as one step, on H2 and PostgreSQL alike.
     */
    void lockQueue() {
        jdbc.sql("select id from analysis_queue_lock where id = 1 for update").query(Integer.class).single();
    }

    /** The slide's QUEUED or RUNNING job; the database holds at most one. */
    Optional<AnalysisJob> activeForSlide(UUID slideId) {
        return jdbc.sql("select * from analysis_job where active_slide_id = :slide").param("slide", slideId)
                .query(this::map).optional();
    }

    void delete(UUID id) {
        jdbc.sql("delete from analysis_job where id = :id").param("id", id).update();
    }

    Optional<AnalysisJob> find(UUID id) {
        return jdbc.sql("select * from analysis_job where id = :id").param("id", id).query(this::map).optional();
    }

    Optional<AnalysisJob> latestForSlide(UUID slideId) {
        return jdbc.sql("select * from analysis_job where slide_id = :slide order by created_at desc, id desc limit 1")
                .param("slide", slideId).query(this::map).optional();
    }

    int countByStatus(JobStatus status) {
        return jdbc.sql("select count(*) from analysis_job where status = :status").param("status", status.name())
                .query(Integer.class).single();
    }

    Map<JobStatus, Integer> countsByStatus() {
        Map<JobStatus, Integer> counts = new EnumMap<>(JobStatus.class);
        for (JobStatus status : JobStatus.values()) {
            counts.put(status, 0);
        }
        jdbc.sql("select status, count(*) as n from analysis_job group by status")
                .query((rs, row) -> Map.entry(JobStatus.valueOf(rs.getString("status")), rs.getInt("n")))
                .list().forEach(e -> counts.put(e.getKey(), e.getValue()));
        return counts;
    }

    /** Claims the job for a new attempt: QUEUED or RUNNING (a dead worker's) becomes RUNNING, attempts + 1. */
    boolean start(AnalysisJob job) {
        return jdbc.sql("""
                        update analysis_job set status = 'RUNNING', attempts = attempts + 1,
                            started_at = coalesce(started_at, :now), error_code = null, error_detail = null,
                            updated_at = :now, version = version + 1
                        where id = :id and version = :version and status in ('QUEUED', 'RUNNING')
                            and cancel_requested = false""")
                .param("now", now()).param("id", job.id()).param("version", job.version()).update() == 1;
    }

    /** Sets the planned region count and the regions found already stored; false if the attempt lost the job. */
    boolean progress(UUID id, int attempt, int done, int total) {
        return jdbc.sql("""
                        update analysis_job set done_regions = :done, total_regions = :total, updated_at = :now,
                            version = version + 1
                        where id = :id and attempts = :attempt and status = 'RUNNING' and cancel_requested = false""")
                .param("done", done).param("total", total).param("now", now()).param("id", id)
                .param("attempt", attempt).update() == 1;
    }

    /**
     * Records what the attempt found in store: regions it reuses and stored regions no longer in the grid (kept at
     * the larger count: an earlier attempt may have dropped them already); false if the attempt lost the job.
     */
    boolean planned(UUID id, int attempt, int reused, int dropped) {
        return jdbc.sql("""
                        update analysis_job set reused_regions = :reused, dropped_regions = greatest(dropped_regions, :dropped),
                            updated_at = :now, version = version + 1
                        where id = :id and attempts = :attempt and status = 'RUNNING' and cancel_requested = false""")
                .param("reused", reused).param("dropped", dropped).param("now", now()).param("id", id)
                .param("attempt", attempt).update() == 1;
    }

    /**
     * The first progress of an attempt: like {@link #progress}, and marks where and when the attempt started, the
     * base of the time-left estimate; patch progress starts again from the regions stored.
     */
    boolean attemptProgress(UUID id, int attempt, int done, int total) {
        return jdbc.sql("""
                        update analysis_job set done_regions = :done, total_regions = :total, resumed_regions = :done,
                            done_patches = 0, total_patches = 0, attempt_started_at = :now, updated_at = :now,
                            version = version + 1
                        where id = :id and attempts = :attempt and status = 'RUNNING' and cancel_requested = false""")
                .param("done", done).param("total", total).param("now", now()).param("id", id)
                .param("attempt", attempt).update() == 1;
    }

    /** Patches through ViT-256 of the job's regions so far; false if the attempt lost the job or was cancelled. */
    boolean patchProgress(UUID id, int attempt, int done, int total) {
        return jdbc.sql("""
                        update analysis_job set done_patches = :done, total_patches = :total, updated_at = :now,
                            version = version + 1
                        where id = :id and attempts = :attempt and status = 'RUNNING' and cancel_requested = false""")
                .param("done", done).param("total", total).param("now", now()).param("id", id)
                .param("attempt", attempt).update() == 1;
    }

    /** Ends the attempt's job in a final {@code status}. */
    boolean finishRunning(UUID id, int attempt, JobStatus status, String code, String detail) {
        return jdbc.sql("""
                        update analysis_job set status = :status, error_code = :code, error_detail = :detail,
                            active_slide_id = null, finished_at = :now, updated_at = :now, version = version + 1
                        where id = :id and attempts = :attempt and status = 'RUNNING'""")
                .param("status", status.name()).param("code", code).param("detail", clip(detail))
                .param("now", now()).param("id", id).param("attempt", attempt).update() == 1;
    }

    /**
     * A worker shutting down hands the job back: QUEUED again, and the attempt it made is not counted (it did not
     * fail), so rolling restarts can never use up {@code hipt.job.max-attempts}.
     */
    boolean release(UUID id, int attempt) {
        return jdbc.sql("""
                        update analysis_job set status = 'QUEUED', attempts = attempts - 1, updated_at = :now,
                            version = version + 1
                        where id = :id and attempts = :attempt and status = 'RUNNING'""")
                .param("now", now()).param("id", id).param("attempt", attempt).update() == 1;
    }

    /** A running attempt hit a transient error: the job waits in the queue for its retry. */
    boolean requeue(UUID id, int attempt, String code, String detail) {
        return jdbc.sql("""
                        update analysis_job set status = 'QUEUED', error_code = :code, error_detail = :detail,
                            updated_at = :now, version = version + 1
                        where id = :id and attempts = :attempt and status = 'RUNNING'""")
                .param("code", code).param("detail", clip(detail)).param("now", now()).param("id", id)
                .param("attempt", attempt).update() == 1;
    }

    /** Ends a job that is not running (queued, or a dead worker's) in a final {@code status}, without an attempt. */
    boolean finishIdle(AnalysisJob job, JobStatus status, String code, String detail) {
        return jdbc.sql("""
                        update analysis_job set status = :status, error_code = :code, error_detail = :detail,
                            active_slide_id = null, finished_at = :now, updated_at = :now, version = version + 1
                        where id = :id and version = :version""")
                .param("status", status.name()).param("code", code).param("detail", clip(detail))
                .param("now", now()).param("id", job.id()).param("version", job.version()).update() == 1;
    }

    boolean requestCancel(AnalysisJob job) {
        return jdbc.sql("""
                        update analysis_job set cancel_requested = true, updated_at = :now, version = version + 1
                        where id = :id and version = :version""")
                .param("now", now()).param("id", job.id()).param("version", job.version()).update() == 1;
    }

    boolean cancelRequested(UUID id) {
        return jdbc.sql("select cancel_requested from analysis_job where id = :id").param("id", id)
                .query(Boolean.class).optional().orElse(true);
    }

    private AnalysisJob map(ResultSet rs, int row) throws SQLException {
        double mpp = rs.getDouble("mpp_override");
        Double mppOverride = rs.wasNull() ? null : mpp;
        return new AnalysisJob(rs.getObject("id", UUID.class), rs.getObject("slide_id", UUID.class),
                JobStatus.valueOf(rs.getString("status")), rs.getString("blob_key"), mppOverride,
                rs.getBoolean("recompute_all"), rs.getInt("reused_regions"), rs.getInt("dropped_regions"),
                rs.getInt("done_regions"), rs.getInt("total_regions"), rs.getInt("attempts"),
                rs.getBoolean("cancel_requested"), rs.getString("error_code"), rs.getString("error_detail"),
                instant(rs, "created_at"), instant(rs, "started_at"), instant(rs, "finished_at"),
                instant(rs, "updated_at"), rs.getLong("version"),
                new AnalysisJob.PatchProgress(rs.getInt("done_patches"), rs.getInt("total_patches"),
                        rs.getInt("resumed_regions"), instant(rs, "attempt_started_at")));
    }

    private static Instant instant(ResultSet rs, String column) throws SQLException {
        OffsetDateTime value = rs.getObject(column, OffsetDateTime.class);
        return value == null ? null : value.toInstant();
    }

    static Instant nowInstant() {
        // PostgreSQL keeps microseconds: truncate so what is written equals what is read back.
        return Instant.now().truncatedTo(ChronoUnit.MICROS);
    }

    private static OffsetDateTime now() {
        return odt(nowInstant());
    }

    private static OffsetDateTime odt(Instant instant) {
        return instant.atOffset(ZoneOffset.UTC);
    }

    private static String clip(String detail) {
        return detail == null || detail.length() <= DETAIL_MAX ? detail : detail.substring(0, DETAIL_MAX);
    }
}
