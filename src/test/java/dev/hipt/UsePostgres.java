package dev.hipt;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Inherited;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import org.springframework.test.context.ActiveProfiles;
import org.springframework.test.context.ContextConfiguration;

/**
 * Runs a Spring integration test against a real PostgreSQL ({@link PostgresTestDatabase}) with the
 * {@code postgres} profile, on a database of the context's own. Combine with {@link ServiceIntegrationTestSupport}.
 */
@Target(ElementType.TYPE)
@Retention(RetentionPolicy.RUNTIME)
@Documented
@Inherited
@ActiveProfiles("postgres")
@ContextConfiguration(initializers = PostgresTestDatabase.Initializer.class)
public @interface UsePostgres {
}
