package dev.hipt.results;

import dev.hipt.PostgresTestDatabase;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.UUID;
import javax.sql.DataSource;
import org.flywaydb.core.Flyway;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.jdbc.datasource.SimpleDriverDataSource;

/** Databases for results tests, migrated by the project's own Flyway migrations. */
final class ResultsTestDatabase {

    private ResultsTestDatabase() {
    }

    /** A fresh in-memory H2 database. */
    static DataSource h2() {
        SimpleDriverDataSource ds = new SimpleDriverDataSource();
        try {
            ds.setDriverClass(Class.forName("org.h2.Driver").asSubclass(java.sql.Driver.class));
        } catch (ClassNotFoundException e) {
            throw new IllegalStateException(e);
        }
        ds.setUrl("jdbc:h2:mem:results-" + UUID.randomUUID() + ";DB_CLOSE_DELAY=-1");
        ds.setUsername("sa");
        ds.setPassword("");
        return ds;
    }

    /** A fresh database of its own on the shared PostgreSQL server ({@link PostgresTestDatabase}). */
    static DataSource postgres() {
        PostgresTestDatabase.Database database = PostgresTestDatabase.newDatabase();
        return new SimpleDriverDataSource(new org.postgresql.Driver(), database.jdbcUrl(), database.username(),
                database.password());
    }

    static void migrate(DataSource dataSource) {
        Flyway.configure().dataSource(dataSource).locations("classpath:db/migration").load().migrate();
    }

    /** Registers a minimal slide row (table {@code slides}, V1) for the foreign keys. */
    static void insertSlide(JdbcClient jdbc, UUID slideId) {
        OffsetDateTime now = OffsetDateTime.now(ZoneOffset.UTC);
        jdbc.sql("""
                        INSERT INTO slides (id, filename, sha256, size_bytes, blob_key, file_format, width, height,
                          mpp_source, created_at, updated_at)
                        VALUES (?, 'test.svs', ?, 1, ?, 'svs', 4096, 4096, 'FILE', ?, ?)""")
                .params(slideId, (slideId.toString().replace("-", "") + "0".repeat(32)), "slides/" + slideId, now, now)
                .update();
    }
}
