package dev.hipt.system;

import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.UUID;
import org.flywaydb.core.Flyway;
import org.junit.jupiter.api.Test;
import org.springframework.dao.DataIntegrityViolationException;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.jdbc.datasource.SingleConnectionDataSource;

/**
 * The embedded H2 database keeps working after the connection that ran the migrations is closed. A connection pool
 * retires every connection after its maximum lifetime (Hikari: 30 minutes), the first one, that Flyway migrated with,
 * included. H2 2.4 evaluates a CHECK constraint of the form {@code x IN (constants)} with the session that created
 * it, so once that session was closed every insert or update checked by such a constraint failed with "Check
 * constraint invalid ... The database has been closed": on a fresh install, the service stopped queueing and
 * advancing analysis jobs half an hour after it started, until a restart (which re-reads the constraints).
 */
class H2CheckConstraintSessionTests {

    @Test
    void everyCheckConstraintStillWorksAfterTheMigratingConnectionIsClosed() throws SQLException {
        String url = "jdbc:h2:mem:check-sessions-" + UUID.randomUUID() + ";DB_CLOSE_DELAY=-1";
        try (Connection keepAlive = DriverManager.getConnection(url, "sa", "")) {
            SingleConnectionDataSource migrating = new SingleConnectionDataSource(url, "sa", "", true);
            Flyway.configure().dataSource(migrating).locations("classpath:db/migration").load().migrate();
            migrating.destroy();

            JdbcClient jdbc = JdbcClient.create(new SingleConnectionDataSource(keepAlive, true));
            OffsetDateTime now = OffsetDateTime.now(ZoneOffset.UTC);
            UUID slide = UUID.randomUUID();
            UUID job = UUID.randomUUID();
            UUID pretraining = UUID.randomUUID();
            assertThatCode(() -> {
                jdbc.sql("""
                        insert into slides (id, filename, sha256, size_bytes, blob_key, file_format, width, height,
                          mpp_source, created_at, updated_at)
                        values (?, 'a.svs', ?, 1, 'slides/a', 'svs', 4096, 4096, 'FILE', ?, ?)""")
                        .params(slide, "0".repeat(64), now, now).update();
                jdbc.sql("""
                        insert into analysis_job (id, slide_id, status, blob_key, active_slide_id, created_at,
                          updated_at) values (?, ?, 'QUEUED', 'slides/a', ?, ?, ?)""")
                        .params(job, slide, slide, now, now).update();
                jdbc.sql("update analysis_job set status = 'RUNNING' where id = ?").params(job).update();
                jdbc.sql("update analysis_job set status = 'SUCCEEDED', active_slide_id = null where id = ?")
                        .params(job).update();
                jdbc.sql("""
                        insert into pretraining_job (id, stage, status, request, total_iterations, created_at,
                          updated_at) values (?, 2, 'QUEUED', '{}', 1, ?, ?)""")
                        .params(pretraining, now, now).update();
                jdbc.sql("update pretraining_job set status = 'CANCELLED' where id = ?").params(pretraining)
                        .update();
            }).as("inserts and status changes checked by the CHECK constraints, on a connection opened after the "
                    + "migrating one was closed").doesNotThrowAnyException();
            // and they still refuse what they refused
            assertThatThrownBy(() -> jdbc.sql("update analysis_job set status = 'DONE' where id = ?").params(job)
                    .update()).isInstanceOf(DataIntegrityViolationException.class).hasMessageContaining("STATUS_CHK");
            assertThatThrownBy(() -> jdbc.sql("update analysis_job set active_slide_id = slide_id where id = ?")
                    .params(job).update()).isInstanceOf(DataIntegrityViolationException.class).hasMessageContaining("ACTIVE_CHK");
            assertThatThrownBy(() -> jdbc.sql("update pretraining_job set stage = 3 where id = ?").params(pretraining)
                    .update()).isInstanceOf(DataIntegrityViolationException.class).hasMessageContaining("STAGE_CHK");
            assertThatThrownBy(() -> jdbc.sql("update pretraining_job set status = 'x' where id = ?")
                    .params(pretraining).update()).isInstanceOf(DataIntegrityViolationException.class)
                    .hasMessageContaining("PRETRAINING_JOB_STATUS_CHK");
        }
    }
}
