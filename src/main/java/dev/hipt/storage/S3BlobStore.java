package dev.hipt.storage;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.stream.Stream;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.auth.credentials.DefaultCredentialsProvider;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.checksums.RequestChecksumCalculation;
import software.amazon.awssdk.core.checksums.ResponseChecksumValidation;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.S3ClientBuilder;
import software.amazon.awssdk.services.s3.model.Delete;
import software.amazon.awssdk.services.s3.model.HeadObjectResponse;
import software.amazon.awssdk.services.s3.model.NoSuchKeyException;
import software.amazon.awssdk.services.s3.model.ObjectIdentifier;
import software.amazon.awssdk.services.s3.model.S3Exception;
import software.amazon.awssdk.services.s3.model.S3Object;

/**
 * Blobs in an S3-compatible bucket (AWS S3, MinIO, ...), with the AWS SDK v2. Objects are written whole (a stream
 * of unknown length is spooled to a local file first, so S3 gets its length), and {@link #localPath} keeps
 * downloaded copies under a local cache directory for readers that need a file. SDK failures surface as
 * {@link IOException}s.
 */
public class S3BlobStore implements BlobStore {

    private final S3Client s3;
    private final String bucket;
    private final String prefix;
    private final Path cacheDir;

    public S3BlobStore(S3Client s3, String bucket, String prefix, Path cacheDir) throws IOException {
        if (bucket == null || bucket.isBlank()) {
            throw new IllegalStateException("hipt.storage.s3.bucket must be set when hipt.storage.type=s3");
        }
        this.s3 = s3;
        this.bucket = bucket;
        this.prefix = prefix == null || prefix.isEmpty() ? "" : BlobKeys.checkPrefix(
                prefix.endsWith("/") ? prefix : prefix + "/");
        this.cacheDir = Files.createDirectories(cacheDir.toAbsolutePath().normalize());
    }

    /** A store for {@code hipt.storage.s3.*}. */
    public static S3BlobStore create(StorageProperties.S3 config, Path cacheDir) throws IOException {
        AwsCredentialsProvider credentials = config.accessKey() == null || config.accessKey().isBlank()
                ? DefaultCredentialsProvider.builder().build()
                : StaticCredentialsProvider.create(AwsBasicCredentials.create(config.accessKey(), config.secretKey()));
        S3ClientBuilder builder = S3Client.builder()
                .httpClient(UrlConnectionHttpClient.create())
                .region(Region.of(config.region()))
                .credentialsProvider(credentials)
                .forcePathStyle(config.pathStyle())
                // S3-compatible servers do not all accept the newer default checksum trailers.
                .requestChecksumCalculation(RequestChecksumCalculation.WHEN_REQUIRED)
                .responseChecksumValidation(ResponseChecksumValidation.WHEN_REQUIRED);
        if (config.endpoint() != null && !config.endpoint().toString().isBlank()) {
            builder.endpointOverride(config.endpoint());
        }
        return new S3BlobStore(builder.build(), config.bucket(), config.prefix(), cacheDir);
    }

    @Override
    public long put(String key, InputStream content) throws IOException {
        String objectKey = objectKey(key);
        Path spool = Files.createTempFile(cacheDir, "put-", ".part");
        try {
            long size = Files.copy(content, spool, StandardCopyOption.REPLACE_EXISTING);
            call(() -> s3.putObject(b -> b.bucket(bucket).key(objectKey), RequestBody.fromFile(spool)));
            Files.deleteIfExists(cachePath(key));
            return size;
        } finally {
            Files.deleteIfExists(spool);
        }
    }

    @Override
    public void putFile(String key, Path file) throws IOException {
        String objectKey = objectKey(key);
        call(() -> s3.putObject(b -> b.bucket(bucket).key(objectKey), RequestBody.fromFile(file)));
        Files.deleteIfExists(cachePath(key));
        Files.deleteIfExists(file);
    }

    @Override
    public InputStream open(String key) throws IOException {
        String objectKey = objectKey(key);
        try {
            return s3.getObject(b -> b.bucket(bucket).key(objectKey));
        } catch (NoSuchKeyException e) {
            throw new NoSuchFileException(key);
        } catch (SdkException e) {
            throw new IOException("S3 GET " + key + " failed: " + e.getMessage(), e);
        }
    }

    @Override
    public Path localPath(String key) throws IOException {
        Path cached = cachePath(key);
        HeadObjectResponse head = head(key).orElseThrow(() -> new NoSuchFileException(key));
        if (Files.isRegularFile(cached) && Files.size(cached) == head.contentLength()) {
            return cached;
        }
        Files.createDirectories(cached.getParent());
        Path temp = cached.resolveSibling("." + cached.getFileName() + "." + UUID.randomUUID() + ".part");
        try (InputStream in = open(key)) {
            Files.copy(in, temp);
            try {
                Files.move(temp, cached, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(temp, cached, StandardCopyOption.REPLACE_EXISTING);
            }
            return cached;
        } finally {
            Files.deleteIfExists(temp);
        }
    }

    @Override
    public boolean exists(String key) throws IOException {
        return head(key).isPresent();
    }

    @Override
    public Optional<Long> size(String key) throws IOException {
        return head(key).map(HeadObjectResponse::contentLength);
    }

    @Override
    public void delete(String key) throws IOException {
        String objectKey = objectKey(key);
        call(() -> s3.deleteObject(b -> b.bucket(bucket).key(objectKey)));
        Files.deleteIfExists(cachePath(key));
    }

    @Override
    public void deletePrefix(String keyPrefix) throws IOException {
        String objectPrefix = prefix + BlobKeys.checkPrefix(keyPrefix);
        List<ObjectIdentifier> batch = new ArrayList<>();
        try {
            for (S3Object object : s3.listObjectsV2Paginator(b -> b.bucket(bucket).prefix(objectPrefix)).contents()) {
                batch.add(ObjectIdentifier.builder().key(object.key()).build());
                if (batch.size() == 1000) {
                    deleteBatch(batch);
                }
            }
            if (!batch.isEmpty()) {
                deleteBatch(batch);
            }
        } catch (SdkException e) {
            throw new IOException("S3 delete of prefix " + keyPrefix + " failed: " + e.getMessage(), e);
        }
        deleteCachedPrefix(keyPrefix);
    }

    private void deleteBatch(List<ObjectIdentifier> batch) {
        List<ObjectIdentifier> keys = List.copyOf(batch);
        s3.deleteObjects(b -> b.bucket(bucket).delete(Delete.builder().objects(keys).quiet(true).build()));
        batch.clear();
    }

    private void deleteCachedPrefix(String keyPrefix) throws IOException {
        String checked = BlobKeys.checkPrefix(keyPrefix);
        boolean directory = checked.endsWith("/");
        Path base = cacheDir.resolve(directory ? checked.substring(0, checked.length() - 1) : checked).normalize();
        Path parent = base.getParent();
        if (parent == null || !Files.isDirectory(parent)) {
            return;
        }
        String name = base.getFileName().toString();
        try (Stream<Path> siblings = Files.list(parent)) {
            for (Path sibling : siblings.toList()) {
                String siblingName = sibling.getFileName().toString();
                if (directory ? siblingName.equals(name) : siblingName.startsWith(name)) {
                    try (Stream<Path> walk = Files.walk(sibling)) {
                        walk.sorted(Comparator.reverseOrder()).forEach(path -> {
                            try {
                                Files.deleteIfExists(path);
                            } catch (IOException e) {
                                throw new UncheckedIOException(e);
                            }
                        });
                    }
                }
            }
        } catch (UncheckedIOException e) {
            throw e.getCause();
        }
    }

    private Optional<HeadObjectResponse> head(String key) throws IOException {
        String objectKey = objectKey(key);
        try {
            return Optional.of(s3.headObject(b -> b.bucket(bucket).key(objectKey)));
        } catch (NoSuchKeyException e) {
            return Optional.empty();
        } catch (S3Exception e) {
            if (e.statusCode() == 404) {
                return Optional.empty();
            }
            throw new IOException("S3 HEAD " + key + " failed: " + e.getMessage(), e);
        } catch (SdkException e) {
            throw new IOException("S3 HEAD " + key + " failed: " + e.getMessage(), e);
        }
    }

    private String objectKey(String key) {
        return prefix + BlobKeys.check(key);
    }

    private Path cachePath(String key) {
        Path path = cacheDir.resolve(BlobKeys.check(key)).normalize();
        if (!path.startsWith(cacheDir)) {
            throw new IllegalArgumentException("Blob key leaves the cache: " + key);
        }
        return path;
    }

    private static void call(Runnable request) throws IOException {
        try {
            request.run();
        } catch (SdkException e) {
            throw new IOException("S3 request failed: " + e.getMessage(), e);
        }
    }
}
