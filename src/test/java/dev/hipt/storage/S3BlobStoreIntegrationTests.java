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
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
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
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.S3Object;

/**
 * {@link S3BlobStore} against a real S3-compatible server, in this order of preference: the one named by the system
 * property {@code hipt.test.s3.endpoint} (MinIO, AWS, ...; access key and secret {@code test}/{@code test}); else
 * Adobe's S3Mock run from its executable jar in a JVM of its own ({@link S3MockServer}; the build copies the jar
 * and names it in {@code hipt.test.s3mock.jar}, so {@code ./mvnw verify} needs neither Docker nor a network
 * service); else, outside the build (an IDE), S3Mock in a container when a Docker engine is present.
 */
class S3BlobStoreIntegrationTests {

    private static final String BUCKET = "hipt-test";
    private static final String EXTERNAL = System.getProperty("hipt.test.s3.endpoint", "");
    private static final String S3MOCK_JAR = System.getProperty("hipt.test.s3mock.jar", "");

    @TempDir
    static Path serverDir;

    private static S3MockServer jarServer;
    private static GenericContainer<?> container;
    private static URI endpoint;

    @TempDir
    Path cache;

    /** The store's own key prefix, fresh for every test so that tests see only their own objects. */
    private String storePrefix;
    private S3Client s3;
    private S3BlobStore store;

    @BeforeAll
    static void startServer() throws IOException {
        if (!EXTERNAL.isBlank()) {
            endpoint = URI.create(EXTERNAL);
        } else if (!S3MOCK_JAR.isBlank()) {
            jarServer = S3MockServer.start(Path.of(S3MOCK_JAR), serverDir, BUCKET);
            endpoint = jarServer.endpoint();
        } else {
            assumeTrue(dockerAvailable(), "Neither hipt.test.s3.endpoint, hipt.test.s3mock.jar (set by ./mvnw"
                    + " verify) nor a Docker engine: skipping the S3 blob store tests");
            container = new GenericContainer<>(DockerImageName.parse("adobe/s3mock:4.11.0"))
                    .withExposedPorts(9090)
                    .withEnv("COM_ADOBE_TESTING_S3MOCK_STORE_INITIAL_BUCKETS", BUCKET)
                    .waitingFor(Wait.forListeningPort());
            container.start();
            endpoint = URI.create("http://" + container.getHost() + ":" + container.getMappedPort(9090));
        }
    }

    @AfterAll
    static void stopServer() {
        if (jarServer != null) {
            jarServer.close();
        }
        if (container != null) {
            container.stop();
        }
    }

    @BeforeEach
    void createStore() throws IOException {
        s3 = S3Client.builder().endpointOverride(endpoint).region(Region.US_EAST_1).forcePathStyle(true)
                .httpClient(UrlConnectionHttpClient.create())
                .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create("test", "test")))
                .build();
        if (s3.listBuckets().buckets().stream().noneMatch(b -> b.name().equals(BUCKET))) {
            s3.createBucket(b -> b.bucket(BUCKET));
        }
        storePrefix = "hipt-" + UUID.randomUUID();
        store = S3BlobStore.create(new StorageProperties.S3(endpoint, BUCKET, "us-east-1", "test", "test", true,
                storePrefix), cache);
    }

    @AfterEach
    void closeClient() {
        s3.close();
    }

    @Test
    void storesReadsSizesAndDownloadsObjects() throws IOException {
        assertThat(store.put("slides/abc/a.svs", bytes("slide bytes"))).isEqualTo(11);

        assertThat(objectKeys(storePrefix + "/")).containsExactly(storePrefix + "/slides/abc/a.svs");
        assertThat(store.exists("slides/abc/a.svs")).isTrue();
        assertThat(store.size("slides/abc/a.svs")).contains(11L);
        try (InputStream in = store.open("slides/abc/a.svs")) {
            assertThat(new String(in.readAllBytes(), StandardCharsets.UTF_8)).isEqualTo("slide bytes");
        }
        Path local = store.localPath("slides/abc/a.svs");
        assertThat(local).startsWith(cache).hasContent("slide bytes");
        assertThat(store.localPath("slides/abc/a.svs")).isEqualTo(local);
    }

    @Test
    void missingObjectsReadAsAbsentAndDeletingThemIsNoError() throws IOException {
        store.put("slides/abc/present.svs", bytes("x"));

        assertThat(store.exists("slides/abc/missing.svs")).isFalse();
        assertThat(store.size("slides/abc/missing.svs")).isEmpty();
        assertThatThrownBy(() -> store.open("slides/abc/missing.svs")).isInstanceOf(NoSuchFileException.class);
        assertThatThrownBy(() -> store.localPath("slides/abc/missing.svs")).isInstanceOf(NoSuchFileException.class);
        store.delete("slides/abc/missing.svs");
        store.deletePrefix("slides/nothing-here/");
        assertThat(store.exists("slides/abc/present.svs")).isTrue();
    }

    @Test
    void keepsKeysWithSpacesAndPunctuationIntact() throws IOException {
        String key = "slides/abc/CMU-1 (copy)+v=2,@x.svs";

        store.put(key, bytes("odd name"));

        assertThat(objectKeys(storePrefix + "/")).containsExactly(storePrefix + "/" + key);
        assertThat(store.size(key)).contains(8L);
        assertThat(store.localPath(key)).hasContent("odd name");
        store.delete(key);
        assertThat(store.exists(key)).isFalse();
    }

    @Test
    void storesEmptyObjects() throws IOException {
        assertThat(store.put("results/empty.npy", InputStream.nullInputStream())).isZero();

        assertThat(store.size("results/empty.npy")).contains(0L);
        assertThat(store.localPath("results/empty.npy")).isEmptyFile();
    }

    @Test
    void roundTripsAMultiMegabyteObjectByteForByte() throws IOException, NoSuchAlgorithmException {
        byte[] content = new byte[12 * 1024 * 1024 + 7];
        new Random(42).nextBytes(content);
        Path upload = Files.write(cache.resolve("upload.part"), content);

        store.putFile("slides/big/slide.tiff", upload);

        assertThat(store.size("slides/big/slide.tiff")).contains((long) content.length);
        assertThat(sha256(Files.readAllBytes(store.localPath("slides/big/slide.tiff")))).isEqualTo(sha256(content));
        try (InputStream in = store.open("slides/big/slide.tiff")) {
            assertThat(sha256(in.readAllBytes())).isEqualTo(sha256(content));
        }
    }

    @Test
    void uploadsFilesLargerThanOnePartInParts() throws IOException, NoSuchAlgorithmException {
        long partSize = 5L * 1024 * 1024;
        S3BlobStore multipart = S3BlobStore.create(new StorageProperties.S3(endpoint, BUCKET, "us-east-1", "test",
                "test", true, storePrefix), cache.resolve("multipart-cache"), partSize);
        byte[] content = new byte[(int) (2 * partSize) + 12_345];
        new Random(7).nextBytes(content);

        multipart.putFile("slides/mp/slide.svs", Files.write(cache.resolve("mp-upload.part"), content));
        assertThat(multipart.put("slides/mp/streamed.svs", new ByteArrayInputStream(content)))
                .isEqualTo(content.length);

        for (String key : List.of("slides/mp/slide.svs", "slides/mp/streamed.svs")) {
            // A multipart object's ETag is the MD5 of its parts' MD5s followed by "-<number of parts>".
            assertThat(s3.headObject(b -> b.bucket(BUCKET).key(storePrefix + "/" + key)).eTag()).endsWith("-3\"");
            assertThat(multipart.size(key)).contains((long) content.length);
            assertThat(sha256(Files.readAllBytes(multipart.localPath(key)))).isEqualTo(sha256(content));
        }
        assertThat(s3.listMultipartUploads(b -> b.bucket(BUCKET).prefix(storePrefix + "/")).uploads()).isEmpty();
    }

    @Test
    void replacingOrDeletingAnObjectInvalidatesItsLocalCopy() throws IOException {
        store.put("slides/r/a.svs", bytes("first"));
        Path local = store.localPath("slides/r/a.svs");
        assertThat(local).hasContent("first");

        store.put("slides/r/a.svs", bytes("second version"));
        assertThat(store.localPath("slides/r/a.svs")).isEqualTo(local).hasContent("second version");

        store.putFile("slides/r/a.svs", Files.writeString(cache.resolve("next.part"), "third"));
        assertThat(store.localPath("slides/r/a.svs")).hasContent("third");

        store.delete("slides/r/a.svs");
        assertThat(local).doesNotExist();
        assertThatThrownBy(() -> store.localPath("slides/r/a.svs")).isInstanceOf(NoSuchFileException.class);
    }

    @Test
    void aLeasedCopyIsNotEvictedByOtherDownloadsUntilReleased() throws IOException {
        // a cache budget of 10 bytes: each download alone exceeds it and evicts every other copy it may
        S3BlobStore small = S3BlobStore.create(new StorageProperties.S3(endpoint, BUCKET, "us-east-1", "test",
                "test", true, storePrefix), cache.resolve("small"), 8 * 1024 * 1024, 10);
        small.put("slides/l/running.svs", bytes("read by a running job"));
        small.put("slides/l/other.svs", bytes("another slide's download"));

        Path running;
        try (BlobStore.LocalFile lease = small.lease("slides/l/running.svs")) {
            running = lease.path();
            small.localPath("slides/l/other.svs");

            assertThat(running).as("leased").hasContent("read by a running job");
        }
        small.put("slides/l/third.svs", bytes("a third slide"));
        small.localPath("slides/l/third.svs");
        assertThat(running).as("released, then evicted by the next download").doesNotExist();
    }

    @Test
    void movesFilesInAndDeletesPrefixes() throws IOException {
        Path upload = Files.writeString(cache.resolve("upload.part"), "abc");
        store.putFile("slides/p/one.svs", upload);
        store.put("slides/p/two.npy", bytes("2"));
        store.put("slides/q/three.svs", bytes("3"));
        Path cachedTwo = store.localPath("slides/p/two.npy");

        store.deletePrefix("slides/p/");

        assertThat(upload).doesNotExist();
        assertThat(cachedTwo).doesNotExist();
        assertThat(store.exists("slides/p/one.svs")).isFalse();
        assertThat(store.exists("slides/p/two.npy")).isFalse();
        assertThat(store.exists("slides/q/three.svs")).isTrue();
        store.delete("slides/q/three.svs");
        store.delete("slides/q/three.svs");
        assertThat(store.exists("slides/q/three.svs")).isFalse();
    }

    @Test
    void deletesPrefixesSpanningSeveralListingPagesAndNothingOutsideTheStorePrefix() throws Exception {
        int count = 1_001; // more than one ListObjectsV2 page and one DeleteObjects batch (1000 each)
        List<String> keys = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            keys.add(String.format("%s/slides/many/region-%05d.npy", storePrefix, i));
        }
        putRaw(keys);
        putRaw(List.of(storePrefix + "/slides/kept/a.svs", storePrefix + "-other/slides/many/region-00000.npy",
                "slides/many/region-00000.npy"));
        assertThat(objectKeys(storePrefix + "/slides/many/")).hasSize(count);

        store.deletePrefix("slides/many/");

        assertThat(objectKeys(storePrefix + "/slides/many/")).isEmpty();
        assertThat(store.exists("slides/kept/a.svs")).isTrue();
        assertThat(objectKeys(storePrefix + "-other/")).hasSize(1);
        assertThat(objectKeys("slides/many/")).hasSize(1);
    }

    /** Writes small objects straight to the bucket, a few at a time. */
    private void putRaw(List<String> objectKeys) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            List<Future<?>> puts = new ArrayList<>();
            for (String key : objectKeys) {
                puts.add(pool.submit(() -> s3.putObject(b -> b.bucket(BUCKET).key(key), RequestBody.fromString(key))));
            }
            for (Future<?> put : puts) {
                put.get();
            }
        } finally {
            pool.shutdownNow();
        }
    }

    private List<String> objectKeys(String prefix) {
        return s3.listObjectsV2Paginator(b -> b.bucket(BUCKET).prefix(prefix)).contents().stream()
                .map(S3Object::key).toList();
    }

    private static InputStream bytes(String text) {
        return new ByteArrayInputStream(text.getBytes(StandardCharsets.UTF_8));
    }

    private static String sha256(byte[] content) throws NoSuchAlgorithmException {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(content));
    }

    private static boolean dockerAvailable() {
        try {
            return DockerClientFactory.instance().isDockerAvailable();
        } catch (RuntimeException | LinkageError e) {
            return false;
        }
    }
}
