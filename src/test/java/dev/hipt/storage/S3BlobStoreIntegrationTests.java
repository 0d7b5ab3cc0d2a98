package dev.hipt.storage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.testcontainers.DockerClientFactory;
import org.testcontainers.containers.GenericContainer;
import org.testcontainers.containers.wait.strategy.Wait;
import org.testcontainers.utility.DockerImageName;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * {@link S3BlobStore} against a real S3-compatible server: the one named by the system property
 * {@code hipt.test.s3.endpoint} (for example S3Mock started from its jar, or MinIO; access key and secret
 * {@code test}/{@code test} unless S3Mock ignores them), else Adobe's S3Mock in a container. S3Mock 4 is a Spring
 * Boot 3 application and cannot share this Spring Boot 4 test JVM, so with neither an endpoint nor a Docker engine
 * these tests are skipped.
 */
class S3BlobStoreIntegrationTests {

    private static final String BUCKET = "hipt-test";
    private static final String EXTERNAL = System.getProperty("hipt.test.s3.endpoint", "");
    private static GenericContainer<?> server;

    @TempDir
    Path cache;

    private S3BlobStore store;

    @BeforeAll
    static void startServer() {
        if (!EXTERNAL.isBlank()) {
            return;
        }
        assumeTrue(dockerAvailable(), "No Docker engine: skipping the S3 blob store tests (they run S3Mock in a"
                + " container)");
        server = new GenericContainer<>(DockerImageName.parse("adobe/s3mock:4.11.0"))
                .withExposedPorts(9090)
                .withEnv("COM_ADOBE_TESTING_S3MOCK_STORE_INITIAL_BUCKETS", BUCKET)
                .waitingFor(Wait.forListeningPort());
        server.start();
    }

    @AfterAll
    static void stopServer() {
        if (server != null) {
            server.stop();
        }
    }

    @BeforeEach
    void createStore() throws IOException {
        URI endpoint = !EXTERNAL.isBlank() ? URI.create(EXTERNAL)
                : URI.create("http://" + server.getHost() + ":" + server.getMappedPort(9090));
        store = S3BlobStore.create(new StorageProperties.S3(endpoint, BUCKET, "us-east-1", "test", "test", true,
                "hipt"), cache);
        try (S3Client s3 = S3Client.builder().endpointOverride(endpoint).region(Region.US_EAST_1)
                .forcePathStyle(true)
                .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create("test", "test")))
                .build()) {
            if (s3.listBuckets().buckets().stream().noneMatch(b -> b.name().equals(BUCKET))) {
                s3.createBucket(b -> b.bucket(BUCKET));
            }
        }
    }

    @Test
    void storesReadsSizesAndDownloadsObjects() throws IOException {
        assertThat(store.put("slides/abc/a.svs", bytes("slide bytes"))).isEqualTo(11);

        assertThat(store.exists("slides/abc/a.svs")).isTrue();
        assertThat(store.size("slides/abc/a.svs")).contains(11L);
        try (InputStream in = store.open("slides/abc/a.svs")) {
            assertThat(new String(in.readAllBytes(), StandardCharsets.UTF_8)).isEqualTo("slide bytes");
        }
        Path local = store.localPath("slides/abc/a.svs");
        assertThat(local).startsWith(cache).hasContent("slide bytes");
        assertThat(store.exists("slides/abc/missing.svs")).isFalse();
        assertThatThrownBy(() -> store.localPath("slides/abc/missing.svs")).isInstanceOf(NoSuchFileException.class);
    }

    @Test
    void movesFilesInAndDeletesPrefixes() throws IOException {
        Path upload = Files.writeString(cache.resolve("upload.part"), "abc");
        store.putFile("slides/p/one.svs", upload);
        store.put("slides/p/two.npy", bytes("2"));
        store.put("slides/q/three.svs", bytes("3"));

        store.deletePrefix("slides/p/");

        assertThat(upload).doesNotExist();
        assertThat(store.exists("slides/p/one.svs")).isFalse();
        assertThat(store.exists("slides/p/two.npy")).isFalse();
        assertThat(store.exists("slides/q/three.svs")).isTrue();
        store.delete("slides/q/three.svs");
        store.delete("slides/q/three.svs");
        assertThat(store.exists("slides/q/three.svs")).isFalse();
    }

    private static InputStream bytes(String text) {
        return new ByteArrayInputStream(text.getBytes(StandardCharsets.UTF_8));
    }

    private static boolean dockerAvailable() {
        try {
            return DockerClientFactory.instance().isDockerAvailable();
        } catch (RuntimeException | LinkageError e) {
            return false;
        }
    }
}
