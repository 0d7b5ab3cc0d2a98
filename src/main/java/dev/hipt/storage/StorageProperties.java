package dev.hipt.storage;

import java.net.URI;
import java.nio.file.Path;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.util.unit.DataSize;

/**
 * Where the service keeps its files ({@code hipt.storage.*}).
 *
 * @param root the local data directory: the embedded H2 database ({@code db/}), local blobs ({@code blobs/}),
 *             temporary files of uploads and exports ({@code tmp/}) and the S3 download cache ({@code cache/}); default
 *             {@code ./data}
 * @param type {@code local} (blobs under {@code root/blobs}, the default) or {@code s3} (an S3-compatible bucket)
 * @param s3   the bucket, used when {@code type} is {@code s3}
 * @param cacheMaxSize budget of the local copies of S3 objects under {@code root/cache} (least recently used go
 *             first); default 50GB
 */
@ConfigurationProperties("hipt.storage")
public record StorageProperties(@DefaultValue("./data") Path root, @DefaultValue("local") Type type, S3 s3,
                                @DefaultValue("50GB") DataSize cacheMaxSize) {

    public StorageProperties {
        root = root.toAbsolutePath().normalize();
        s3 = s3 == null ? new S3(null, null, "us-east-1", null, null, false, "") : s3;
    }

    /** Blobs of the local store. */
    public Path blobsDir() {
        return root.resolve("blobs");
    }

    /** Temporary files (uploads, exports, checkpoints); anything here is removed when its request or job ends. */
    public Path tmpDir() {
        return root.resolve("tmp");
    }

    /** Local copies of remote blobs, for readers that need a file (OpenSlide). */
    public Path cacheDir() {
        return root.resolve("cache");
    }

    /** Which blob store to use. */
    public enum Type {
        LOCAL, S3
    }

    /**
     * An S3-compatible bucket (AWS S3, MinIO, ...).
     *
     * @param endpoint  the endpoint URI, e.g. {@code http://minio:9000}; empty for AWS's default endpoint
     * @param bucket    the bucket; must exist
     * @param region    the region, default {@code us-east-1}
     * @param accessKey the access key id; empty to use the AWS default credentials chain
     * @param secretKey the secret access key
     * @param pathStyle {@code true} for path-style addressing (MinIO and most S3-compatible servers)
     * @param prefix    a key prefix inside the bucket, e.g. {@code hipt/}; default none
     */
    public record S3(URI endpoint, String bucket, @DefaultValue("us-east-1") String region, String accessKey,
                     String secretKey, @DefaultValue("false") boolean pathStyle, @DefaultValue("") String prefix) {
    }
}
