package dev.hipt;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.context.ApplicationContextInitializer;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.core.env.MapPropertySource;
import org.springframework.test.context.ContextConfiguration;
import org.springframework.web.client.RestClient;

/**
 * Base class of full-stack tests over real HTTP: the whole service on a random port, with a fresh data directory
 * ({@code hipt.storage.root}, hence a fresh H2 file database and blob store) per Spring context, and two API keys:
 * {@link #CLIENT_KEY} (role CLIENT) and {@link #ADMIN_KEY} (role ADMIN). Add {@link UsePostgres} to run on
 * PostgreSQL instead of H2. Every {@code /api} answer the clients {@link #client}, {@link #admin} and
 * {@link #anonymous} receive is checked against the OpenAPI document ({@link OpenApiResponseValidator}).
 * Subclasses with the same configuration share one cached context: keep extra {@code @Import}s and properties
 * identical across classes that can share.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT, properties = {
    "hipt.security.api-keys[0].name=test-client",
    "hipt.security.api-keys[0].role=CLIENT",
    "hipt.security.api-keys[0].key-sha256=5ce15761d99d8887142d76d3f44fc2045ace53e646a6e90c923aa2febc0d10e1",
    "hipt.security.api-keys[1].name=test-admin",
    "hipt.security.api-keys[1].role=ADMIN",
    "hipt.security.api-keys[1].key-sha256=944650a7cd0f9e14d5c4fb15edbffb7fa45fb9ed36a4fa9be3d7e5476ae51bd9"
})
@ContextConfiguration(initializers = ServiceIntegrationTestSupport.FreshDataDirectory.class)
public abstract class ServiceIntegrationTestSupport {

    /** An API key with role CLIENT (its SHA-256 is configured above). */
    public static final String CLIENT_KEY = "test-client-key";
    /** An API key with role ADMIN. */
    public static final String ADMIN_KEY = "test-admin-key";

    @LocalServerPort
    protected int port;

    @Autowired
    private ConfigurableApplicationContext context;

    protected RestClient client;
    protected RestClient admin;
    protected RestClient anonymous;

    @BeforeEach
    void createClients() {
        client = validated().defaultHeader("X-API-Key", CLIENT_KEY).build();
        admin = validated().defaultHeader("X-API-Key", ADMIN_KEY).build();
        anonymous = validated().build();
    }

    /** A client of this server whose every {@code /api} answer must match the OpenAPI document. */
    private RestClient.Builder validated() {
        return RestClient.builder().baseUrl(baseUrl())
                .requestInterceptor(OpenApiResponseValidator.instance().interceptor());
    }

    protected String baseUrl() {
        return "http://localhost:" + port;
    }

    /** This context's {@code hipt.storage.root}. */
    protected Path dataDirectory() {
        return Path.of(context.getEnvironment().getRequiredProperty("hipt.storage.root"));
    }

    private static void deleteTree(Path root) {
        try (var walk = Files.walk(root)) {
            walk.sorted(java.util.Comparator.reverseOrder()).forEach(path -> path.toFile().delete());
        } catch (IOException ignored) {
            // a temporary directory; the OS cleans up what is left
        }
    }

    /** Gives every Spring context its own empty data directory. */
    public static final class FreshDataDirectory
            implements ApplicationContextInitializer<ConfigurableApplicationContext> {
        @Override
        public void initialize(ConfigurableApplicationContext context) {
            try {
                Path root = Files.createTempDirectory("hipt-test-data-");
                Runtime.getRuntime().addShutdownHook(new Thread(() -> deleteTree(root), "test-data-cleanup"));
                context.getEnvironment().getPropertySources().addFirst(new MapPropertySource(
                        "fresh-data-directory", Map.of("hipt.storage.root", root.toString())));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }
}
