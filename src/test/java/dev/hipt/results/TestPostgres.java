package dev.hipt.results;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.UUID;
import javax.sql.DataSource;
import org.junit.jupiter.api.Assumptions;
import org.springframework.jdbc.datasource.SimpleDriverDataSource;

/**
 * A real PostgreSQL for results tests: the server named by {@code HIPT_TEST_POSTGRES_URL} (with
 * {@code HIPT_TEST_POSTGRES_USER}/{@code _PASSWORD}) when set, each test class in a schema of its own; otherwise the
 * embedded PostgreSQL binaries (io.zonky). A machine where neither works skips with the reason.
 */
final class TestPostgres implements AutoCloseable {

    private final EmbeddedPostgres embedded;
    private final DataSource dataSource;

    private TestPostgres(EmbeddedPostgres embedded, DataSource dataSource) {
        this.embedded = embedded;
        this.dataSource = dataSource;
    }

    static TestPostgres start() {
        String url = System.getenv("HIPT_TEST_POSTGRES_URL");
        if (url != null && !url.isBlank()) {
            return external(url);
        }
        try {
            EmbeddedPostgres pg = EmbeddedPostgres.builder().start();
            return new TestPostgres(pg, pg.getPostgresDatabase());
        } catch (IOException | RuntimeException e) {
            Assumptions.abort("embedded PostgreSQL did not start (" + rootCause(e)
                    + "); set HIPT_TEST_POSTGRES_URL to run these tests against a PostgreSQL server: skipping");
            throw new IllegalStateException(e);
        }
    }

    private static TestPostgres external(String url) {
        String schema = "results_test_" + UUID.randomUUID().toString().replace("-", "");
        SimpleDriverDataSource admin = dataSource(url);
        try (Connection c = admin.getConnection(); Statement s = c.createStatement()) {
            s.execute("CREATE SCHEMA " + schema);
        } catch (SQLException e) {
            throw new IllegalStateException("cannot use HIPT_TEST_POSTGRES_URL=" + url, e);
        }
        return new TestPostgres(null, dataSource(url + (url.contains("?") ? "&" : "?") + "currentSchema=" + schema));
    }

    private static SimpleDriverDataSource dataSource(String url) {
        SimpleDriverDataSource ds = new SimpleDriverDataSource();
        try {
            ds.setDriverClass(Class.forName("org.postgresql.Driver").asSubclass(java.sql.Driver.class));
        } catch (ClassNotFoundException e) {
            throw new IllegalStateException(e);
        }
        ds.setUrl(url);
        ds.setUsername(System.getenv().getOrDefault("HIPT_TEST_POSTGRES_USER", "postgres"));
        ds.setPassword(System.getenv().getOrDefault("HIPT_TEST_POSTGRES_PASSWORD", ""));
        return ds;
    }

    DataSource dataSource() {
        return dataSource;
    }

    @Override
    public void close() {
        if (embedded != null) {
            try {
                embedded.close();
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
        }
    }

    private static String rootCause(Throwable e) {
        Throwable t = e;
        while (t.getCause() != null && t.getCause() != t) {
            t = t.getCause();
        }
        return t.getClass().getSimpleName() + ": " + t.getMessage();
    }
}
