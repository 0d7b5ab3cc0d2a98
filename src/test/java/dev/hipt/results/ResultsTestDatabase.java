package dev.hipt.results;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import javax.sql.DataSource;
import org.flywaydb.core.Flyway;
import org.springframework.core.io.support.PathMatchingResourcePatternResolver;
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

    static void migrate(DataSource dataSource) {
        Flyway.configure().dataSource(dataSource).locations(locations().toArray(String[]::new)).load().migrate();
    }

    /**
     * The project's migrations, plus a stand-in {@code slide} table while the slide feature's V1 migration is not on
     * the classpath (V4 references {@code slide(id)}).
     */
    static List<String> locations() {
        List<String> locations = new ArrayList<>(List.of("classpath:db/migration"));
        try {
            boolean hasV1 = new PathMatchingResourcePatternResolver()
                    .getResources("classpath*:db/migration/V1__*.sql").length > 0;
            if (!hasV1) {
                locations.add("classpath:db/results-test-slide-stub");
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return locations;
    }

    /**
     * Registers a slide row for the foreign keys. Works with the stub and with the slide feature's table as long as
     * its other columns have defaults or are nullable; otherwise the insert names the column that needs a value.
     */
    static void insertSlide(JdbcClient jdbc, UUID slideId) {
        jdbc.sql("INSERT INTO slide (id) VALUES (?)").param(slideId).update();
    }
}
