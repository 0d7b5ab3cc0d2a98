package dev.hipt.training.pretraining;

import dev.hipt.job.EngineQueue;
import dev.hipt.storage.BlobStore;
import dev.hipt.system.ApiException;
import dev.hipt.training.ModelKind;
import dev.hipt.training.ModelRegistry;
import dev.hipt.training.RegisteredModel;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.http.HttpStatus;
import org.springframework.stereotype.Service;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.support.TransactionTemplate;

import java.io.IOException;
import java.io.InputStream;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;

/**
 * Checks a pretraining request before anything runs (every bad field a 4xx with a stable code), stores the job with
 * its resolved settings and queues it on the analysis engine in one transaction; reads and cancels jobs, and opens
 * their last checkpoints.
 */
@Service
class PretrainingService {

    private static final Logger log = LoggerFactory.getLogger(PretrainingService.class);

    static final int MAX_ITERATIONS = 10_000_000;
    static final int MAX_BATCH = 4096;
    static final int MAX_OUT_DIM = 262_144;
    static final int MAX_LOCAL_CROPS = 64;
    static final int MAX_DEPTH = 24;
    private static final int VIT256_PATCH = 16;

    private final PretrainingJobRepository jobs;
    private final PretrainingSlides slides;
    private final ModelRegistry registry;
    private final EngineQueue queue;
    private final PretrainingProperties properties;
    private final TransactionTemplate transaction;
    private final BlobStore blobs;

    PretrainingService(PretrainingJobRepository jobs, PretrainingSlides slides, ModelRegistry registry,
                       EngineQueue queue, PretrainingProperties properties,
                       PlatformTransactionManager transactions, BlobStore blobs) {
        this.jobs = jobs;
        this.blobs = blobs;
        this.slides = slides;
        this.registry = registry;
        this.queue = queue;
        this.properties = properties;
        this.transaction = new TransactionTemplate(transactions);
    }

    PretrainingJobView submit(PretrainingRequest request) {
        PretrainingSettings settings = resolve(request);
        UUID id = UUID.randomUUID();
        transaction.executeWithoutResult(status -> {
            jobs.insert(id, settings);
            queue.schedule(PretrainingTask.NAME, id);
        });
        log.info("Pretraining job {} queued: stage {}, {} slide(s), {} iterations of batch {}", id, settings.stage(),
                settings.slideIds().size(), settings.iterations(), settings.batchSize());
        return find(id).orElseThrow();
    }

    Optional<PretrainingJobView> find(UUID id) {
        return jobs.find(id).map(job -> PretrainingJobView.of(job, jobs.losses(id)));
    }

    /**
     * The job's last stored checkpoint (DINO's official {@code .pth}), open for reading: the caller closes it. A
     * checkpoint written meanwhile replaces the blob whole, so the stream is one checkpoint or the next.
     */
    InputStream openCheckpoint(UUID id) throws IOException {
        PretrainingJob job = jobs.find(id).orElseThrow(() -> ApiException.notFound("pretraining job", id));
        String key = PretrainingTask.checkpointKey(id);
        if (job.checkpointIteration() == null || !blobs.exists(key)) {
            throw new ApiException(HttpStatus.NOT_FOUND, PretrainingErrors.NO_CHECKPOINT, "pretraining job " + id
                    + " has stored no checkpoint yet: it writes one every checkpointEvery ("
                    + job.settings().checkpointEvery() + ") iterations and when it stops");
        }
        return blobs.open(key);
    }

    Optional<PretrainingJobView> cancel(UUID id) {
        if (jobs.find(id).isEmpty()) {
            return Optional.empty();
        }
        jobs.requestCancel(id);
        return find(id);
    }

    /** The request with its defaults, or the 4xx that names what is wrong. */
    PretrainingSettings resolve(PretrainingRequest r) {
        if (r == null) {
            throw ApiException.badRequest("a JSON body is required");
        }
        if (r.stage() == null || (r.stage() != 1 && r.stage() != 2)) {
            throw ApiException.validationFailed("stage must be 1 (ViT-256 on patches) or 2 (ViT-4K on ViT-256 token"
                    + " grids), got " + r.stage());
        }
        int stage = r.stage();
        int iterations = required("iterations", r.iterations(), 1, MAX_ITERATIONS);
        int batch = optional("batchSize", r.batchSize(), 64, 1, MAX_BATCH);
        int outDim = optional("outDim", r.outDim(), 65536, 2, MAX_OUT_DIM);
        int localCrops = optional("localCrops", r.localCrops(), 8, 0, MAX_LOCAL_CROPS);
        int maxSide = stage == 1 ? 256 : GridAugmentation.GRID;
        int global = optional("globalCropSize", r.globalCropSize(), stage == 1 ? 224 : 14, 1, maxSide);
        int local = optional("localCropSize", r.localCropSize(), stage == 1 ? 96 : 6, 1, maxSide);
        if (stage == 1) {
            multipleOfPatch("globalCropSize", global);
            if (localCrops > 0) {
                multipleOfPatch("localCropSize", local);
            }
        }
        int depth = optional("depth", r.depth(), stage == 1 ? 12 : 6, 1, MAX_DEPTH);
        int every = optional("checkpointEvery", r.checkpointEvery(), 100, 1, Integer.MAX_VALUE);
        double minTissue = r.minTissueFraction() == null ? 0.25 : r.minTissueFraction();
        if (!(minTissue >= 0 && minTissue < 1)) {
            throw ApiException.validationFailed("minTissueFraction must be in [0, 1), got " + minTissue);
        }
        String normalization = r.normalization() == null ? "hipt" : r.normalization().toLowerCase(Locale.ROOT);
        if (!normalization.equals("hipt") && !normalization.equals("imagenet")) {
            throw ApiException.validationFailed("normalization must be hipt or imagenet, got '" + r.normalization()
                    + "'");
        }
        if (stage == 1 && r.vit256ModelId() != null) {
            throw ApiException.validationFailed("vit256ModelId is for stage 2 only");
        }
        long seed = r.seed() == null ? 0 : r.seed();
        // Every field is checked before the stored slides and models are looked up: a bad value is 400 whatever
        // is stored.
        checkHyperParameters(new PretrainingSettings(stage, List.of(), iterations, batch, outDim, localCrops, global,
                local, depth, null, every, seed, minTissue, normalization, r.hyperParameters()));
        UUID vit256 = stage == 2 ? frozenVit256(r.vit256ModelId()) : null;
        List<UUID> slideIds = slides(r.slideIds());
        return new PretrainingSettings(stage, slideIds, iterations, batch, outDim, localCrops, global, local, depth,
                vit256, every, seed, minTissue, normalization, r.hyperParameters());
    }

    private static void checkHyperParameters(PretrainingSettings settings) {
        try {
            DinoSetup.hyperParameters(settings);
        } catch (IllegalArgumentException e) {
            throw ApiException.validationFailed(e.getMessage());
        }
    }

    private UUID frozenVit256(UUID named) {
        if (named == null) {
            return registry.active(ModelKind.VIT256).map(RegisteredModel::id).orElseThrow(() -> new ApiException(
                    HttpStatus.UNPROCESSABLE_CONTENT, PretrainingErrors.VIT256_REQUIRED,
                    "stage 2 trains on the token grids of a frozen ViT-256: name one (vit256ModelId) or activate one"));
        }
        RegisteredModel model = registry.find(named).orElseThrow(() -> new ApiException(
                HttpStatus.UNPROCESSABLE_CONTENT, PretrainingErrors.UNKNOWN_MODEL,
                "vit256ModelId " + named + " is not a registered model"));
        if (model.kind() != ModelKind.VIT256) {
            throw new ApiException(HttpStatus.UNPROCESSABLE_CONTENT, PretrainingErrors.NOT_A_VIT256,
                    "vit256ModelId " + named + " is a " + model.kind() + " model, not a ViT-256");
        }
        return named;
    }

    private List<UUID> slides(List<UUID> named) {
        if (named == null || named.isEmpty()) {
            List<UUID> all = slides.allIds(properties.maxSlides());
            if (all.isEmpty()) {
                throw new ApiException(HttpStatus.UNPROCESSABLE_CONTENT, PretrainingErrors.NO_SLIDES,
                        "no slide is stored: upload slides first");
            }
            if (all.size() > properties.maxSlides()) {
                throw ApiException.validationFailed("more than hipt.pretraining.max-slides ("
                        + properties.maxSlides() + ") slides are stored: name the slides (slideIds)");
            }
            return all;
        }
        if (named.contains(null)) {
            throw ApiException.validationFailed("slideIds must not contain null");
        }
        Set<UUID> distinct = new LinkedHashSet<>(named);
        if (distinct.size() > properties.maxSlides()) {
            throw ApiException.validationFailed("at most hipt.pretraining.max-slides (" + properties.maxSlides()
                    + ") slides, got " + distinct.size());
        }
        Set<UUID> found = new HashSet<>();
        slides.find(distinct).forEach(s -> found.add(s.id()));
        List<UUID> unknown = distinct.stream().filter(id -> !found.contains(id)).toList();
        if (!unknown.isEmpty()) {
            throw new ApiException(HttpStatus.UNPROCESSABLE_CONTENT, PretrainingErrors.UNKNOWN_SLIDES,
                    "not stored slides: " + unknown.stream().limit(20).map(UUID::toString).toList()
                            + (unknown.size() > 20 ? " and " + (unknown.size() - 20) + " more" : ""));
        }
        return List.copyOf(distinct);
    }

    /** ViT-256/16 cuts a stage-1 view into 16 x 16 pixel tokens: a side that is not a multiple cannot be trained. */
    private static void multipleOfPatch(String field, int side) {
        if (side % VIT256_PATCH != 0) {
            throw ApiException.validationFailed(field + " must be a multiple of " + VIT256_PATCH
                    + " (ViT-256/16's token side) in stage 1, got " + side);
        }
    }

    private static int required(String field, Integer value, int min, int max) {
        if (value == null) {
            throw ApiException.validationFailed(field + " is required");
        }
        return range(field, value, min, max);
    }

    private static int optional(String field, Integer value, int fallback, int min, int max) {
        return value == null ? fallback : range(field, value, min, max);
    }

    private static int range(String field, int value, int min, int max) {
        if (value < min || value > max) {
            throw ApiException.validationFailed(field + " must be between " + min + " and " + max + ", got " + value);
        }
        return value;
    }
}
