package dev.hipt.results;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hipt.PostgresTestDatabase;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.List;
import java.util.UUID;
import javax.sql.DataSource;
import org.flywaydb.core.Flyway;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.jdbc.datasource.SimpleDriverDataSource;
import org.springframework.jdbc.datasource.SingleConnectionDataSource;

/**
 * Migration V5 on a database that V4 filled: index-keyed region rows become geometry-keyed (a geometry stored under
 * two indices keeps its newest row), and slides with two active analyses keep only the newest one active.
 */
class RegionIdentityMigrationIntegrationTests {

    @Nested
    class OnH2 extends Contract {
        OnH2() {
            // One connection throughout: on a pool of fresh connections, H2 2.4 failed the V2 status check of the
            // first insert after Flyway's connection closed ("Check constraint invalid", caused by "The database
            // has been closed"), which no test of the application's pooled connections shows.
            super(new SingleConnectionDataSource("jdbc:h2:mem:migration-" + UUID.randomUUID() + ";DB_CLOSE_DELAY=-1",
                    "sa", "", true));
        }
    }

    @Nested
    class OnPostgres extends Contract {
        OnPostgres() {
            super(postgres());
        }

        private static DataSource postgres() {
            PostgresTestDatabase.Database database = PostgresTestDatabase.newDatabase();
            return new SimpleDriverDataSource(new org.postgresql.Driver(), database.jdbcUrl(), database.username(),
                    database.password());
        }
    }

    abstract static class Contract {

        private final DataSource dataSource;
        private final JdbcClient jdbc;

        Contract(DataSource dataSource) {
            this.dataSource = dataSource;
            this.jdbc = JdbcClient.create(dataSource);
        }

        @Test
        void keepsTheNewestRowPerGeometryAndOneActiveJobPerSlide() {
            flyway("4").migrate();
            UUID slide = UUID.randomUUID();
            ResultsTestDatabase.insertSlide(jdbc, slide);
            OffsetDateTime t0 = OffsetDateTime.now(ZoneOffset.UTC).minusHours(1);
            // index 0 and index 2 both name the region at x = 4096 (two grids); index 1 is another place
            region(slide, 0, 4096, t0, 1);
            region(slide, 1, 0, t0, 2);
            region(slide, 2, 4096, t0.plusMinutes(5), 3);
            UUID older = job(slide, "QUEUED", t0);
            UUID newer = job(slide, "RUNNING", t0.plusMinutes(1));
            UUID done = job(slide, "SUCCEEDED", t0.minusMinutes(1));

            flyway(null).migrate();

            assertThat(jdbc.sql("select region_index, x, cls4k from region_embedding order by x")
                    .query((rs, n) -> rs.getInt(1) + "@" + rs.getLong(2) + ":" + rs.getBytes(3)[0]).list())
                    .containsExactly("1@0:2", "2@4096:3");
            assertThat(status(older)).isEqualTo("CANCELLED");
            assertThat(status(newer)).isEqualTo("RUNNING");
            assertThat(status(done)).isEqualTo("SUCCEEDED");
            assertThat(jdbc.sql("select id from analysis_job where active_slide_id = ?").param(slide)
                    .query(UUID.class).list()).isEqualTo(List.of(newer));
        }

        private Flyway flyway(String target) {
            var config = Flyway.configure().dataSource(dataSource).locations("classpath:db/migration");
            if (target != null) {
                config = config.target(target);
            }
            return config.load();
        }

        private void region(UUID slide, int index, long x, OffsetDateTime created, int marker) {
            jdbc.sql("""
                            INSERT INTO region_embedding (slide_id, model_version, region_index, x, y, width, height,
                              tissue_fraction, cls4k, mean256, cls256_blob_key, created_at)
                            VALUES (?, 'v1', ?, ?, 0, 4096, 4096, 0.5, ?, ?, NULL, ?)""")
                    .params(slide, index, x, new byte[] {(byte) marker}, new byte[] {0}, created).update();
        }

        private UUID job(UUID slide, String status, OffsetDateTime created) {
            UUID id = UUID.randomUUID();
            jdbc.sql("""
                            INSERT INTO analysis_job (id, slide_id, status, blob_key, created_at, updated_at)
                            VALUES (?, ?, ?, 'b', ?, ?)""")
                    .params(id, slide, status, created, created).update();
            return id;
        }

        private String status(UUID job) {
            return jdbc.sql("select status from analysis_job where id = ?").param(job).query(String.class).single();
        }
    }
}
