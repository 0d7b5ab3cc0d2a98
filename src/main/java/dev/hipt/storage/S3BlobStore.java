package dev.hipt.storage;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
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
import software.amazon.awssdk.services.s3.model.CompletedPart;
import software.amazon.awssdk.services.s3.model.Delete;
import software.amazon.awssdk.services.s3.model.HeadObjectResponse;
import software.amazon.awssdk.services.s3.model.NoSuchKeyException;
import software.amazon.awssdk.services.s3.model.ObjectIdentifier;
import software.amazon.awssdk.services.s3.model.S3Exception;
import software.amazon.awssdk.services.s3.model.S3Object;

/**
 * Blobs in an S3-compatible bucket (AWS S3, MinIO, ...), with the AWS SDK v2. A stream of unknown length is spooled
 * to a local file first, so S3 gets its length; files up to 64 MiB go up in one PUT, larger ones (slides of many
 * GB: one PUT takes at most 5 GiB) as a multipart upload of 64 MiB parts, aborted when a part fails.
 * {@link #localPath} keeps downloaded copies under a local cache directory for readers that need a file, within a
 * size budget ({@code hipt.storage.cache-max-size}; least recently used copies go first). SDK failures surface as
 * {@link IOException}s.
 */
public class S3BlobStore implements BlobStore {

    /** Part size of multipart uploads, and the largest file sent in one PUT (64 MiB parts: up to 640 GB). */
    static final long DEFAULT_PART_SIZE = 64L * 1024 * 1024;
    /** Budget of the local download cache when none is configured. */
    static final long DEFAULT_CACHE_MAX_BYTES = 50L * 1024 * 1024 * 1024;

    private final S3Client s3;
    private final String bucket;
    private final String prefix;
    private final Path cacheDir;
    private final long partSize;
    private final LocalFileCache cache;

    public S3BlobStore(S3Client s3, String bucket, String prefix, Path cacheDir) throws IOException {
        this(s3, bucket, prefix, cacheDir, DEFAULT_PART_SIZE, DEFAULT_CACHE_MAX_BYTES);
    }

    S3BlobStore(S3Client s3, String bucket, String prefix, Path cacheDir, long partSize, long cacheMaxBytes)
            throws IOException {
        if (bucket == null || bucket.isBlank()) {
            throw new IllegalStateException("hipt.storage.s3.bucket must be set when hipt.storage.type=s3");
        }
        if (partSize < 5L * 1024 * 1024) {
            throw new IllegalArgumentException("S3 multipart parts are at least 5 MiB");
        }
        this.partSize = partSize;
        this.s3 = s3;
        this.bucket = bucket;
        this.prefix = prefix == null || prefix.isEmpty() ? "" : BlobKeys.checkPrefix(
                prefix.endsWith("/") ? prefix : prefix + "/");
        this.cacheDir = Files.createDirectories(cacheDir.toAbsolutePath().normalize());
        this.cache = new LocalFileCache(this.cacheDir, cacheMaxBytes);
    }

    /** A store for {@code hipt.storage.s3.*} with the default cache budget. */
    public static S3BlobStore create(StorageProperties.S3 config, Path cacheDir) throws IOException {
        return create(config, cacheDir, DEFAULT_PART_SIZE, DEFAULT_CACHE_MAX_BYTES);
    }

    static S3BlobStore create(StorageProperties.S3 config, Path cacheDir, long partSize) throws IOException {
        return create(config, cacheDir, partSize, DEFAULT_CACHE_MAX_BYTES);
    }

    static S3BlobStore create(StorageProperties.S3 config, Path cacheDir, long partSize, long cacheMaxBytes)
            throws IOException {
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
        return new S3BlobStore(builder.build(), config.bucket(), config.prefix(), cacheDir, partSize, cacheMaxBytes);
    }

    @Override
    public long put(String key, InputStream content) throws IOException {
        String objectKey = objectKey(key);
        Path spool = Files.createTempFile(cacheDir, "put-", ".part");
        try {
            long size = Files.copy(content, spool, StandardCopyOption.REPLACE_EXISTING);
            upload(objectKey, spool);
            Files.deleteIfExists(cachePath(key));
            return size;
        } finally {
            Files.deleteIfExists(spool);
        }
    }

    @Override
    public void putFile(String key, Path file) throws IOException {
        String objectKey = objectKey(key);
        upload(objectKey, file);
        Files.deleteIfExists(cachePath(key));
        Files.deleteIfExists(file);
    }

    private void upload(String objectKey, Path file) throws IOException {
        long size = Files.size(file);
        if (size <= partSize) {
            call(() -> s3.putObject(b -> b.bucket(bucket).key(objectKey), RequestBody.fromFile(file)));
            return;
        }
        String uploadId;
        try {
            uploadId = s3.createMultipartUpload(b -> b.bucket(bucket).key(objectKey)).uploadId();
        } catch (SdkException e) {
            throw new IOException("S3 multipart upload of " + objectKey + " failed to start: " + e.getMessage(), e);
        }
        try {
            List<CompletedPart> parts = new ArrayList<>();
            for (long offset = 0; offset < size; offset += partSize) {
                int number = parts.size() + 1;
                long length = Math.min(partSize, size - offset);
                long start = offset;
                RequestBody body = RequestBody.fromContentProvider(() -> new FileRange(file, start, length), length,
                        "application/octet-stream");
                String etag = s3.uploadPart(b -> b.bucket(bucket).key(objectKey).uploadId(uploadId)
                        .partNumber(number).contentLength(length), body).eTag();
                parts.add(CompletedPart.builder().partNumber(number).eTag(etag).build());
            }
            s3.completeMultipartUpload(b -> b.bucket(bucket).key(objectKey).uploadId(uploadId)
                    .multipartUpload(m -> m.parts(parts)));
        } catch (SdkException | UncheckedIOException e) {
            try {
                s3.abortMultipartUpload(b -> b.bucket(bucket).key(objectKey).uploadId(uploadId));
            } catch (SdkException abortFailure) {
                e.addSuppressed(abortFailure);
            }
            throw new IOException("S3 multipart upload of " + objectKey + " failed: " + e.getMessage(), e);
        }
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
        try (LocalFile file = lease(key)) {
            return file.path();
        }
    }

    /** The cached copy of {@code key}, downloaded first when missing or stale, kept in the cache until closed. */
    @Override
    public LocalFile lease(String key) throws IOException {
        Path cached = cachePath(key);
        LocalFileCache.Lease lease = cache.lease(cached);
        try {
            download(key, cached);
        } catch (IOException | RuntimeException e) {
            lease.close();
            throw e;
        }
        return new LocalFile() {
            @Override
            public Path path() {
                return cached;
            }

            @Override
            public void close() {
                lease.close();
            }
        };
    }

    private void download(String key, Path cached) throws IOException {
        HeadObjectResponse head = head(key).orElseThrow(() -> new NoSuchFileException(key));
        if (Files.isRegularFile(cached) && Files.size(cached) == head.contentLength()) {
            cache.touch(cached);
            return;
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
            cache.trim(cached);
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

    /** Bytes {@code [start, start + length)} of a file, opened anew for every attempt the SDK makes. */
    private static final class FileRange extends InputStream {

        private final FileChannel channel;
        private long position;
        private final long end;

        FileRange(Path file, long start, long length) {
            try {
                this.channel = FileChannel.open(file, StandardOpenOption.READ);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            this.position = start;
            this.end = start + length;
        }

        @Override
        public int read() throws IOException {
            byte[] one = new byte[1];
            return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
        }

        @Override
        public int read(byte[] buffer, int offset, int length) throws IOException {
            if (length == 0) {
                return 0;
            }
            int wanted = (int) Math.min(length, end - position);
            if (wanted <= 0) {
                return -1;
            }
            int read = channel.read(ByteBuffer.wrap(buffer, offset, wanted), position);
            if (read < 0) {
                return -1;
            }
            position += read;
            return read;
        }

        @Override
        public void close() throws IOException {
            channel.close();
        }
    }

    private static void call(Runnable request) throws IOException {
        try {
            request.run();
        } catch (SdkException e) {
            throw new IOException("S3 request failed: " + e.getMessage(), e);
        }
    }
}
