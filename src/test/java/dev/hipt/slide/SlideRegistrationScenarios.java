package dev.hipt.slide;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hipt.ServiceIntegrationTestSupport;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.List;
import java.util.Locale;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Stream;
import javax.sql.DataSource;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.beans.factory.config.BeanPostProcessor;
import org.springframework.boot.test.context.TestConfiguration;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Import;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.jdbc.datasource.DelegatingDataSource;
import org.springframework.test.context.TestPropertySource;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Registration on the REAL job engine ({@code AnalysisJobService}, db-scheduler and the database, no fakes): the
 * slide row, the job row and the queue entry commit together, or none of them (nor the blob) stays. A failure is
 * injected where db-scheduler inserts its execution. Run on H2 and PostgreSQL by the concrete subclasses.
 */
@Import(SlideRegistrationScenarios.FailingQueueInserts.class)
@TestPropertySource(properties = "hipt.job.workers-per-device=0")
abstract class SlideRegistrationScenarios extends ServiceIntegrationTestSupport {

    private static final AtomicBoolean FAIL_QUEUE_INSERTS = new AtomicBoolean();

    @Autowired
    private JdbcClient jdbc;

    private final HttpClient http = HttpClient.newHttpClient();

    /** Wraps the service's DataSource so that db-scheduler's insert into its table fails while asked to. */
    @TestConfiguration(proxyBeanMethods = false)
    static class FailingQueueInserts {

        @Bean
        static BeanPostProcessor failingQueueInserts() {
            return new BeanPostProcessor() {
                @Override
                public Object postProcessAfterInitialization(Object bean, String name) {
                    return bean instanceof DataSource dataSource && !(bean instanceof FailingDataSource)
                            ? new FailingDataSource(dataSource) : bean;
                }
            };
        }
    }

    static final class FailingDataSource extends DelegatingDataSource {

        FailingDataSource(DataSource target) {
            super(target);
        }

        @Override
        public Connection getConnection() throws SQLException {
            return failing(super.getConnection());
        }

        @Override
        public Connection getConnection(String username, String password) throws SQLException {
            return failing(super.getConnection(username, password));
        }

        private static Connection failing(Connection target) {
            return (Connection) Proxy.newProxyInstance(Connection.class.getClassLoader(),
                    new Class<?>[] {Connection.class}, (proxy, method, args) -> {
                        if (FAIL_QUEUE_INSERTS.get() && method.getName().equals("prepareStatement")
                                && args[0] instanceof String sql
                                && sql.toLowerCase(Locale.ROOT).replaceAll("\\s+", " ")
                                        .contains("insert into scheduled_tasks")) {
                            throw new SQLException("injected failure: the queue insert fails");
                        }
                        try {
                            return method.invoke(target, args);
                        } catch (InvocationTargetException e) {
                            throw e.getCause();
                        }
                    });
        }
    }

    @AfterEach
    void stopFailing() {
        FAIL_QUEUE_INSERTS.set(false);
    }

    @Test
    void slideJobAndQueueEntryCommitTogether() {
        HttpResponse<String> answer = uploadPng();

        assertThat(answer.statusCode()).as(answer.body()).isEqualTo(202);
        JsonNode body = JsonMapper.builder().build().readTree(answer.body());
        UUID slideId = UUID.fromString(body.path("slide").path("id").asString());
        UUID jobId = UUID.fromString(body.path("job").path("id").asString());
        assertThat(count("select count(*) from slides where id = ?", slideId)).isEqualTo(1);
        assertThat(count("select count(*) from analysis_job where id = ? and slide_id = ?", jobId, slideId))
                .isEqualTo(1);
        assertThat(count("select count(*) from scheduled_tasks where task_instance = ?", jobId.toString())).isEqualTo(1);
    }

    @Test
    void queueInsertThatFailsLeavesNoSlideNoJobNoExecutionAndNoBlob() {
        long slides = count("select count(*) from slides");
        long jobs = count("select count(*) from analysis_job");
        long executions = count("select count(*) from scheduled_tasks");
        List<Path> blobs = filesUnder("blobs");
        FAIL_QUEUE_INSERTS.set(true);

        HttpResponse<String> answer = uploadPng();

        assertThat(answer.statusCode()).as(answer.body()).isGreaterThanOrEqualTo(500);
        FAIL_QUEUE_INSERTS.set(false);
        assertThat(count("select count(*) from slides")).as("slide rows").isEqualTo(slides);
        assertThat(count("select count(*) from analysis_job")).as("job rows").isEqualTo(jobs);
        assertThat(count("select count(*) from scheduled_tasks")).as("executions").isEqualTo(executions);
        assertThat(filesUnder("blobs")).as("blobs").isEqualTo(blobs);
        assertThat(filesUnder("tmp")).as("temporary files").isEmpty();
    }

    private HttpResponse<String> uploadPng() {
        HttpRequest request = HttpRequest.newBuilder(URI.create(baseUrl() + "/api/v1/slides?filename=a.png&mpp=0.5"))
                .header("X-API-Key", CLIENT_KEY)
                .header("Content-Type", "application/octet-stream")
                .POST(HttpRequest.BodyPublishers.ofByteArray(SlideIntegrationTestSupport.uniquePng())).build();
        try {
            return http.send(request, HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private long count(String sql, Object... params) {
        JdbcClient.StatementSpec statement = jdbc.sql(sql);
        for (Object param : params) {
            statement = statement.param(param);
        }
        return statement.query(Long.class).single();
    }

    private List<Path> filesUnder(String relative) {
        Path dir = dataDirectory().resolve(relative);
        if (!Files.isDirectory(dir)) {
            return List.of();
        }
        try (Stream<Path> walk = Files.walk(dir)) {
            return walk.filter(Files::isRegularFile).toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
