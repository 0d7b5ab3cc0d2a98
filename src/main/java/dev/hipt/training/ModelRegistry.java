package dev.hipt.training;

import dev.hipt.model.CheckpointCheck;
import dev.hipt.model.CheckpointException;
import dev.hipt.model.CheckpointReader;
import dev.hipt.model.StateDict;
import dev.hipt.storage.BlobStore;
import dev.hipt.system.ApiException;
import dev.hipt.system.ErrorCodes;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.dao.DuplicateKeyException;
import org.springframework.http.HttpStatus;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Service;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.support.TransactionTemplate;
import tools.jackson.core.type.TypeReference;
import tools.jackson.databind.json.JsonMapper;

/**
 * The model registry: checkpoints of every {@link ModelKind} in the blob store ({@code models/<kind>/<sha256>.pth}
 * or {@code .safetensors}) with a row each in the database, and which one of each kind is active. Activation is
 * database state (with a generation every replica polls), so it reaches every replica.
 */
@Service
public class ModelRegistry {

    /** How many survival time bins HIPT's survival heads have. */
    static final int SURVIVAL_BINS = 4;

    private static final Logger log = LoggerFactory.getLogger(ModelRegistry.class);
    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final String COLUMNS = "m.id, m.kind, m.name, m.sha256, m.size_bytes, m.source, m.created_at, "
            + "m.classes, m.time_bins, m.training_metrics, m.blob_key, a.model_id";
    private static final String FROM = " from registered_model m left join active_model a on a.model_id = m.id";

    private final JdbcClient jdbc;
    private final BlobStore blobs;
    private final TransactionTemplate transaction;

    ModelRegistry(JdbcClient jdbc, BlobStore blobs, PlatformTransactionManager transactions) {
        this.jdbc = jdbc;
        this.blobs = blobs;
        this.transaction = new TransactionTemplate(transactions);
    }

    /** A registration's outcome: the model, and whether this call created it (else it was registered before). */
    record Registered(RegisteredModel model, boolean created) {
    }

    /**
     * Validates (restricted unpickler / safetensors; tensors fit the kind), stores the file in the BlobStore, inserts
     * the row; idempotent by (kind, sha256): the same bytes registered as the same kind again, with the same classes
     * and time bins, give the first registration (the name and source of the later call are not kept).
     * {@code checkpoint} is copied, never moved or changed.
     *
     * @throws ApiException 422 MODEL_CHECKPOINT_INVALID, MODEL_KIND_MISMATCH or MODEL_CLASSES_MISMATCH (400
     *                      VALIDATION_FAILED for classes or time bins given with the wrong kind, or invalid), 409
     *                      MODEL_ALREADY_REGISTERED when the bytes are registered with other classes or time bins,
     *                      leaving nothing registered or changed
     */
    public RegisteredModel register(ModelKind kind, Path checkpoint, ModelRegistration registration) {
        return registerReporting(kind, checkpoint, registration).model();
    }

    Registered registerReporting(ModelKind kind, Path checkpoint, ModelRegistration registration) {
        checkFields(kind, registration.classes(), registration.timeBins());
        String sha256 = sha256(checkpoint);
        Optional<RegisteredModel> existing = findBySha256(kind, sha256);
        if (existing.isPresent()) {
            return new Registered(sameRegistration(existing.get(), registration), false);
        }
        boolean pytorch = validate(kind, checkpoint, registration);
        long size = size(checkpoint);
        String blobKey = "models/" + kind.json() + "/" + sha256 + (pytorch ? ".pth" : ".safetensors");
        try (InputStream in = Files.newInputStream(checkpoint)) {
            blobs.put(blobKey, in);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot store checkpoint " + blobKey, e);
        }
        UUID id = UUID.randomUUID();
        Instant now = Instant.now().truncatedTo(ChronoUnit.MICROS);
        String name = registration.name() == null || registration.name().isBlank()
                ? kind.json() + "-" + sha256.substring(0, 12) : registration.name().strip();
        try {
            jdbc.sql("""
                    insert into registered_model (id, kind, name, sha256, size_bytes, source, blob_key, classes,
                                                  time_bins, training_metrics, created_at)
                    values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""")
                    .params(id, kind.name(), truncate(name), sha256, size, truncate(registration.source()), blobKey,
                            JSON.writeValueAsString(registration.classes()),
                            JSON.writeValueAsString(registration.timeBins()),
                            JSON.writeValueAsString(registration.trainingMetrics()),
                            OffsetDateTime.ofInstant(now, ZoneOffset.UTC))
                    .update();
        } catch (DuplicateKeyException concurrent) {
            // Another request registered the same bytes meanwhile; the blob is the same object under the same key.
            RegisteredModel first = findBySha256(kind, sha256).orElseThrow(() -> concurrent);
            return new Registered(sameRegistration(first, registration), false);
        } catch (RuntimeException e) {
            deleteBlobQuietly(blobKey);
            throw e;
        }
        log.info("Registered {} model {} ({}, sha256 {}, {} bytes, source {})", kind.json(), id, name, sha256, size,
                registration.source());
        return new Registered(find(id).orElseThrow(), true);
    }

    public Optional<RegisteredModel> find(UUID id) {
        return jdbc.sql("select " + COLUMNS + FROM + " where m.id = ?").params(id).query(ModelRegistry::row)
                .optional().map(Row::model);
    }

    /** Every registered model, newest first. */
    List<RegisteredModel> list() {
        return jdbc.sql("select " + COLUMNS + FROM + " order by m.created_at desc, m.id").query(ModelRegistry::row)
                .list().stream().map(Row::model).toList();
    }

    /**
     * Makes the model the active one of its kind, in the database, so that every replica's models follow within
     * {@code hipt.model.registry.poll-interval}.
     */
    public RegisteredModel activate(UUID id) {
        RegisteredModel model = find(id).orElseThrow(() -> ApiException.notFound("Model", id));
        activate(model, "admin");
        return find(id).orElseThrow();
    }

    /** Activates {@code model} on behalf of {@code by} ({@code admin} or {@code config}) and bumps the generation. */
    void activate(RegisteredModel model, String by) {
        OffsetDateTime now = OffsetDateTime.now(ZoneOffset.UTC);
        transaction.executeWithoutResult(status -> {
            // Locking the generation row first orders concurrent activations across replicas.
            jdbc.sql("select generation from model_activation where id = 1 for update").query(Long.class).single();
            int updated = jdbc.sql("update active_model set model_id = ?, activated_by = ?, activated_at = ? "
                    + "where kind = ?").params(model.id(), by, now, model.kind().name()).update();
            if (updated == 0) {
                jdbc.sql("insert into active_model (kind, model_id, activated_by, activated_at) values (?, ?, ?, ?)")
                        .params(model.kind().name(), model.id(), by, now).update();
            }
            jdbc.sql("update model_activation set generation = generation + 1 where id = 1").update();
        });
        log.info("Activated {} model {} ({}) by {}", model.kind().json(), model.id(), model.name(), by);
    }

    public Optional<RegisteredModel> active(ModelKind kind) {
        return jdbc.sql("select " + COLUMNS + " from active_model a join registered_model m on m.id = a.model_id "
                + "where a.kind = ?").params(kind.name()).query(ModelRegistry::row).optional().map(Row::model);
    }

    /** Who made the active model of {@code kind} active: {@code admin}, {@code config}, or empty when none is. */
    Optional<String> activatedBy(ModelKind kind) {
        return jdbc.sql("select activated_by from active_model where kind = ?").params(kind.name())
                .query(String.class).optional();
    }

    /** The activation generation: it changes whenever any kind's active model does. */
    long generation() {
        return jdbc.sql("select generation from model_activation where id = 1").query(Long.class).single();
    }

    /** A local copy (cache) of the stored checkpoint; for the local blob store the stored file itself. */
    public Path checkpointFile(UUID id) {
        String key = blobKey(id);
        try {
            return blobs.localPath(key);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read stored checkpoint " + key, e);
        }
    }

    /** Whether the stored checkpoint is a PyTorch zip (else safetensors). */
    boolean storedAsPytorch(UUID id) {
        return blobKey(id).endsWith(".pth");
    }

    private String blobKey(UUID id) {
        return jdbc.sql("select blob_key from registered_model where id = ?").params(id).query(String.class)
                .optional().orElseThrow(() -> ApiException.notFound("Model", id));
    }

    private Optional<RegisteredModel> findBySha256(ModelKind kind, String sha256) {
        return jdbc.sql("select " + COLUMNS + FROM + " where m.kind = ? and m.sha256 = ?")
                .params(kind.name(), sha256).query(ModelRegistry::row).optional().map(Row::model);
    }

    /**
     * The checks of a registration's own fields, before any file is read: class names only for subtype heads, none
     * null or blank; time bins only for survival heads, as {@link #checkTimeBins} wants them.
     *
     * @throws ApiException 400 VALIDATION_FAILED naming the field
     */
    static void checkFields(ModelKind kind, List<String> classes, List<Double> timeBins) {
        List<String> names = classes == null ? List.of() : classes;
        List<Double> bins = timeBins == null ? List.of() : timeBins;
        if (kind != ModelKind.SUBTYPE_HEAD && !names.isEmpty()) {
            throw ApiException.validationFailed("classes are for subtype heads only, not for kind " + kind.json());
        }
        if (kind != ModelKind.SURVIVAL_HEAD && !bins.isEmpty()) {
            throw ApiException.validationFailed("timeBins are for survival heads only, not for kind " + kind.json());
        }
        if (names.stream().anyMatch(name -> name == null || name.isBlank())) {
            throw ApiException.validationFailed("classes must be non-empty names in logit order, got " + names);
        }
        checkTimeBins(bins);
    }

    /**
     * {@code first}, registered earlier from the same bytes as the same kind, when {@code again} asks for the same
     * classes and time bins. A different class count is the head's mismatch (422, as for a first registration);
     * other differences are a conflict naming the registered model: its classes and time bins never change.
     */
    private static RegisteredModel sameRegistration(RegisteredModel first, ModelRegistration again) {
        if (first.kind() == ModelKind.SUBTYPE_HEAD && first.classes().size() != again.classes().size()) {
            throw new ApiException(HttpStatus.UNPROCESSABLE_CONTENT, ErrorCodes.MODEL_CLASSES_MISMATCH,
                    "The subtype head has " + first.classes().size() + " classes, but " + again.classes().size()
                            + " class names were given " + again.classes() + ": send 'classes' in logit order");
        }
        List<String> differences = new ArrayList<>();
        if (!first.classes().equals(again.classes())) {
            differences.add("classes " + first.classes() + " (this request: " + again.classes() + ")");
        }
        if (!first.timeBins().equals(again.timeBins())) {
            differences.add("timeBins " + first.timeBins() + " (this request: " + again.timeBins() + ")");
        }
        if (differences.isEmpty()) {
            return first;
        }
        throw new ApiException(HttpStatus.CONFLICT, ErrorCodes.MODEL_ALREADY_REGISTERED,
                "These bytes are registered as " + first.kind().json() + " model " + first.id() + " with "
                        + String.join(" and ", differences) + "; a registered model's classes and time bins do not"
                        + " change, and nothing was registered",
                Map.of("modelId", first.id().toString()));
    }

    /** Reads the file through the restricted unpickler and checks that its tensors fit {@code kind}. */
    private static boolean validate(ModelKind kind, Path checkpoint, ModelRegistration registration) {
        boolean pytorch;
        StateDict weights;
        try {
            pytorch = CheckpointReader.isPytorchZip(checkpoint);
            weights = CheckpointReader.read(checkpoint);
        } catch (CheckpointException e) {
            throw new ApiException(HttpStatus.UNPROCESSABLE_CONTENT, ErrorCodes.MODEL_CHECKPOINT_INVALID,
                    "Not a usable checkpoint: " + e.getMessage(), e);
        }
        int outputs;
        try {
            outputs = switch (kind) {
                case VIT256 -> CheckpointCheck.vit256(weights);
                case VIT4K -> CheckpointCheck.vit4k(weights);
                case SUBTYPE_HEAD, SURVIVAL_HEAD -> CheckpointCheck.head(weights);
            };
        } catch (CheckpointException e) {
            throw mismatch(kind, e.getMessage());
        }
        if (kind == ModelKind.VIT4K && outputs != CheckpointCheck.CLS256_FEATURES) {
            throw mismatch(kind, "it takes " + outputs + "-wide ViT-256 tokens, not "
                    + CheckpointCheck.CLS256_FEATURES);
        }
        if (kind == ModelKind.SUBTYPE_HEAD && outputs != registration.classes().size()) {
            throw new ApiException(HttpStatus.UNPROCESSABLE_CONTENT, ErrorCodes.MODEL_CLASSES_MISMATCH,
                    "The subtype head has " + outputs + " classes, but " + registration.classes().size()
                            + " class names were given " + registration.classes() + ": send 'classes' in logit order");
        }
        if (kind == ModelKind.SURVIVAL_HEAD) {
            if (outputs != SURVIVAL_BINS) {
                throw mismatch(kind, "it has " + outputs + " outputs, a survival head has " + SURVIVAL_BINS
                        + " time bins");
            }
        }
        return pytorch;
    }

    /** Bin edges: none, the 3 cut points between the 4 bins, or all 5 edges; ascending, finite, not negative. */
    private static void checkTimeBins(List<Double> bins) {
        if (bins.isEmpty()) {
            return;
        }
        if (bins.size() != SURVIVAL_BINS - 1 && bins.size() != SURVIVAL_BINS + 1) {
            throw ApiException.validationFailed("timeBins must list the " + (SURVIVAL_BINS - 1) + " cut points or "
                    + "the " + (SURVIVAL_BINS + 1) + " edges of the " + SURVIVAL_BINS + " bins, got " + bins.size());
        }
        for (int i = 0; i < bins.size(); i++) {
            Double b = bins.get(i);
            if (b == null || !Double.isFinite(b) || b < 0 || (i > 0 && b < bins.get(i - 1))) {
                throw ApiException.validationFailed("timeBins must be ascending finite months >= 0, got " + bins);
            }
        }
    }

    private static ApiException mismatch(ModelKind kind, String why) {
        return new ApiException(HttpStatus.UNPROCESSABLE_CONTENT, ErrorCodes.MODEL_KIND_MISMATCH,
                "The checkpoint does not fit kind " + kind.json() + ": " + why);
    }

    private static String sha256(Path checkpoint) {
        try {
            return CheckpointReader.sha256(checkpoint);
        } catch (CheckpointException e) {
            throw new UncheckedIOException("cannot read " + checkpoint, new IOException(e.getMessage(), e));
        }
    }

    private static long size(Path checkpoint) {
        try {
            return Files.size(checkpoint);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private void deleteBlobQuietly(String key) {
        try {
            blobs.delete(key);
        } catch (IOException | RuntimeException e) {
            log.warn("Could not remove checkpoint blob {} of a failed registration", key, e);
        }
    }

    private static String truncate(String text) {
        String value = text == null ? "" : text;
        return value.length() <= 255 ? value : value.substring(0, 255);
    }

    private record Row(RegisteredModel model, String blobKey) {
    }

    private static Row row(ResultSet rs, int n) throws SQLException {
        RegisteredModel model = new RegisteredModel(rs.getObject(1, UUID.class), ModelKind.valueOf(rs.getString(2)),
                rs.getString(3), rs.getString(4), rs.getLong(5), rs.getString(6),
                rs.getObject(7, OffsetDateTime.class).toInstant(),
                JSON.readValue(rs.getString(8), new TypeReference<List<String>>() { }),
                JSON.readValue(rs.getString(9), new TypeReference<List<Double>>() { }),
                JSON.readValue(rs.getString(10), new TypeReference<Map<String, Object>>() { }),
                rs.getObject(12) != null);
        return new Row(model, rs.getString(11));
    }
}
