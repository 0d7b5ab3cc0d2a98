package dev.hipt.job;

import dev.hipt.model.CheckpointReader;
import dev.hipt.model.DevicePreference;
import dev.hipt.model.DeviceSpec;
import dev.hipt.model.ModelOptions;
import dev.hipt.model.Precision;
import dev.hipt.model.RegionEncoder;
import dev.hipt.model.SlideHead;
import dev.hipt.results.Provenance;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.ArrayList;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.context.SmartLifecycle;
import org.springframework.stereotype.Component;

/**
 * Loads the models named by {@code hipt.model.*} once per process, on a background thread started with the
 * application context, so the web server comes up at once and readiness stays down until the models are there.
 *
 * <ul>
 *   <li>No ViT checkpoints and no demo weights: the service runs, {@link #models()} answers
 *       {@link ModelNotConfiguredException} naming the properties to set, readiness is up.</li>
 *   <li>{@code hipt.model.demo-random-weights=true}: seeded random ViT weights, provenance marked untrained, no
 *       heads, a warning in the log.</li>
 *   <li>A checkpoint that cannot be loaded: readiness down with the reason, {@link #models()} answers
 *       {@link ModelLoadException} ({@value ModelLoadException#CODE}).</li>
 * </ul>
 *
 * <p>With a {@link ModelCatalog} (the model registry), the active set it names is loaded instead of the files of
 * {@code hipt.model.*} (which start-up registers and activates), and the catalog's generation is polled: when an
 * admin activates another model, on any replica, this process loads the new set in the background, swaps to it,
 * and releases the old one once no lease or batch holds it. A set that fails to load leaves the old one serving.
 */
@Component
public class CheckpointModelProvider implements ModelProvider, SmartLifecycle {

    /** The message of {@link ModelNotConfiguredException}: the exact properties to set. */
    static final String NOT_CONFIGURED_MESSAGE = "No HIPT checkpoints are configured. Set hipt.model.vit256-checkpoint "
            + "and hipt.model.vit4k-checkpoint to the files vit256_small_dino.pth and vit4k_xs_dino.pth (from the HIPT "
            + "repository, HIPT_4K/Checkpoints) and restart; for a first look without weights set "
            + "hipt.model.demo-random-weights=true (untrained results, no predictions).";

    private static final Logger log = LoggerFactory.getLogger(CheckpointModelProvider.class);

    private final ModelProperties properties;
    private final ModelFactory factory;
    private final ModelCatalog catalog;
    /** The first load; afterwards {@link #current} is the newest set. */
    private final CompletableFuture<LoadedModels> loaded = new CompletableFuture<>();
    /** The set new callers get; {@code null} until one is loaded. Swapped under {@link #usage}. */
    private volatile Loaded current;
    /** Sets swapped out while leases still held them; guarded by {@link #usage}. */
    private final List<Loaded> retired = new ArrayList<>();
    private volatile long loadedGeneration = Long.MIN_VALUE;
    private volatile long failedGeneration = Long.MIN_VALUE;
    private ScheduledExecutorService poller;
    private volatile Status status = new Status(State.NOT_STARTED, null, null, null, null);
    private volatile boolean running;
    /** Guards {@link #users} and {@link #releasing}. */
    private final Object usage = new Object();
    private int users;
    private boolean releasing;

    @Autowired
    public CheckpointModelProvider(ModelProperties properties, ObjectProvider<ModelCatalog> catalog) {
        this(properties, new HiptModels(properties.compiled(), properties.precision()),
                catalog.getIfAvailable());
    }

    public CheckpointModelProvider(ModelProperties properties) {
        this(properties, new HiptModels(properties.compiled(), properties.precision()), null);
    }

    CheckpointModelProvider(ModelProperties properties, ModelFactory factory) {
        this(properties, factory, null);
    }

    CheckpointModelProvider(ModelProperties properties, ModelFactory factory, ModelCatalog catalog) {
        this.properties = properties;
        this.factory = factory;
        this.catalog = catalog;
    }

    /** A loaded set and how many leases hold it (guarded by {@link #usage}). */
    private static final class Loaded {
        final LoadedModels models;
        int leases;

        Loaded(LoadedModels models) {
            this.models = models;
        }
    }

    /** Where loading stands. */
    public enum State {
        NOT_STARTED, NOT_CONFIGURED, LOADING, LOADED, FAILED
    }

    /**
     * A snapshot for health and info.
     *
     * @param state      where loading stands
     * @param reason     why loading failed or what is missing; {@code null} when loaded
     * @param provenance the loaded models' provenance; {@code null} until loaded
     * @param device     where the loaded models run ({@code cpu}, {@code gpu(0)}); {@code null} until loaded
     * @param precisionNative whether every device runs the chosen precision ({@code provenance.precision}) in
     *                   hardware (false: bf16/fp16 forced on a CPU that emulates it); {@code null} until loaded
     */
    public record Status(State state, String reason, Provenance provenance, String device, Boolean precisionNative) {
    }

    /** The configured checkpoints could not be loaded; the message says which and why. */
    public static class ModelLoadException extends RuntimeException {

        public static final String CODE = "MODEL_LOAD_FAILED";

        public ModelLoadException(String message, Throwable cause) {
            super(message, cause);
        }
    }

    @Override
    public LoadedModels models() {
        start();
        Loaded newest = current;
        if (newest != null) {
            return newest.models;
        }
        Status now = status;
        if (now.state() == State.NOT_CONFIGURED) {
            throw new ModelNotConfiguredException(NOT_CONFIGURED_MESSAGE);
        }
        try {
            return loaded.join();
        } catch (CompletionException e) {
            if (e.getCause() instanceof ModelLoadException load) {
                throw new ModelLoadException(load.getMessage(), load);
            }
            throw new ModelLoadException("Models could not be loaded: " + e.getCause(), e.getCause());
        }
    }

    @Override
    public boolean ready() {
        State state = status.state();
        return state == State.LOADED || state == State.NOT_CONFIGURED;
    }

    /** Where loading stands, for the health indicator and the info endpoint. */
    public Status status() {
        return status;
    }

    /** The configured device preference. */
    public DevicePreference device() {
        return properties.device();
    }

    @Override
    public synchronized void start() {
        if (status.state() != State.NOT_STARTED) {
            return;
        }
        running = true;
        startPolling();
        if (activeSet().isPresent()) {
            status = new Status(State.LOADING, "loading the active models", null, null, null);
            Thread loader = new Thread(this::load, "hipt-model-loader");
            loader.setDaemon(true);
            loader.start();
            return;
        }
        if (!properties.hasCheckpoints() && !properties.demoRandomWeights()) {
            if (ModelProperties.isSet(properties.vit256Checkpoint()) || ModelProperties.isSet(properties.vit4kCheckpoint())) {
                fail(new ModelLoadException("Only one ViT checkpoint is configured: set both "
                        + "hipt.model.vit256-checkpoint and hipt.model.vit4k-checkpoint.", null));
                return;
            }
            status = new Status(State.NOT_CONFIGURED, NOT_CONFIGURED_MESSAGE, null, null, null);
            log.info("No HIPT checkpoints configured: the service accepts slides, analysis jobs fail with "
                    + "MODEL_NOT_CONFIGURED until hipt.model.vit256-checkpoint and hipt.model.vit4k-checkpoint are set");
            return;
        }
        status = new Status(State.LOADING, "loading models", null, null, null);
        Thread loader = new Thread(this::load, "hipt-model-loader");
        loader.setDaemon(true);
        loader.start();
    }

    @Override
    public InUse inUse() {
        Loaded held;
        synchronized (usage) {
            if (releasing) {
                throw new AnalysisStopped(AnalysisStopped.Reason.ABANDONED, "the models are being released");
            }
            users++;
            held = current;
            if (held != null) {
                held.leases++;
            }
        }
        AtomicBoolean open = new AtomicBoolean(true);
        return () -> {
            if (open.compareAndSet(true, false)) {
                Loaded release;
                synchronized (usage) {
                    users--;
                    release = unlease(held);
                    usage.notifyAll();
                }
                closeQuietly(release);
            }
        };
    }

    /**
     * The models with a hold on them: a swap to newly activated models releases these only once every lease on them
     * is closed, so a job analyses one slide with one set from start to end.
     */
    @Override
    public Lease lease() {
        LoadedModels first = models();
        Loaded held;
        synchronized (usage) {
            if (releasing) {
                throw new AnalysisStopped(AnalysisStopped.Reason.ABANDONED, "the models are being released");
            }
            held = current;
            if (held == null) {
                return new Lease(first, () -> { });
            }
            held.leases++;
        }
        AtomicBoolean open = new AtomicBoolean(true);
        return new Lease(held.models, () -> {
            if (open.compareAndSet(true, false)) {
                Loaded release;
                synchronized (usage) {
                    release = unlease(held);
                }
                closeQuietly(release);
            }
        });
    }

    /** Drops one lease; answers the set when it was retired and this was its last lease (to close), else null. */
    private Loaded unlease(Loaded held) {
        if (held == null) {
            return null;
        }
        held.leases--;
        if (held.leases == 0 && held != current && retired.remove(held)) {
            return held;
        }
        return null;
    }

    /**
     * Releases the models once the last batch in flight has finished: the scheduler's wait
     * ({@code hipt.job.shutdown-max-wait}) can end while a CPU region is still encoding in native code, which an
     * interrupt does not stop, and closing the weights under it would crash the JVM.
     */
    @Override
    public synchronized void stop() {
        synchronized (usage) {
            releasing = true;
            if (users > 0) {
                log.info("Waiting for {} batch(es) in flight before releasing the HIPT models", users);
            }
            try {
                while (users > 0) {
                    usage.wait();
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                log.warn("Interrupted while waiting for batches in flight: releasing the HIPT models under them");
            }
        }
        log.info("Releasing the HIPT models");
        running = false;
        if (poller != null) {
            poller.shutdownNow();
        }
        List<Loaded> all;
        synchronized (usage) {
            all = new ArrayList<>(retired);
            retired.clear();
            if (current != null) {
                all.add(current);
            }
        }
        // A load still running sees 'releasing' when it swaps, and closes what it made.
        all.forEach(this::closeQuietly);
    }

    @Override
    public boolean isRunning() {
        return running;
    }

    /**
     * One phase below the analysis scheduler's: on shutdown the scheduler stops first and gives running jobs
     * {@code hipt.job.shutdown-max-wait} to end, and only then are the weights those jobs encode with released.
     * In the same phase the models were closed first, under jobs still running.
     */
    @Override
    public int getPhase() {
        return SmartLifecycle.DEFAULT_PHASE - 1;
    }

    private void load() {
        try {
            Optional<ModelCatalog.ActiveSet> active = activeSet();
            LoadedModels models = active.isPresent() ? fromCatalog(active.get())
                    : properties.hasCheckpoints() ? fromCheckpoints() : demo();
            active.ifPresent(set -> loadedGeneration = set.generation());
            swap(models);
            loaded.complete(models);
            log.info("HIPT models loaded on {} in {}, ViT-256 batch {}: model version {}, untrained {}, checkpoints {}",
                    status.device(), models.provenance().precision(),
                    models.encoder() == null ? null : models.encoder().vit256BatchSize(),
                    models.provenance().modelVersion(), models.provenance().untrained(),
                    models.provenance().checkpointSha256());
        } catch (ModelLoadException e) {
            fail(e);
        } catch (RuntimeException | LinkageError e) {
            fail(new ModelLoadException("Models could not be loaded: " + e.getMessage(), e));
        }
    }

    private void fail(ModelLoadException e) {
        status = new Status(State.FAILED, e.getMessage(), null, null, null);
        loaded.completeExceptionally(e);
        log.error("HIPT models not loaded; readiness stays DOWN and analysis jobs fail with {}: {}",
                ModelLoadException.CODE, e.getMessage(), e.getCause());
    }

    private LoadedModels demo() {
        log.warn("hipt.model.demo-random-weights=true: analysing with SEEDED RANDOM WEIGHTS (seed {}). Every result is "
                + "marked untrained, no predictions are made; the numbers mean nothing medically.", properties.demoSeed());
        List<RegionEncoder> encoders = perDevice(device -> factory.randomEncoder(properties.demoSeed(), device,
                properties.vit256BatchSize()));
        RegionEncoder encoder = encoders.get(0);
        Provenance provenance = new Provenance("demo-" + properties.demoSeed(), true, Map.of(), Map.of(), precision(encoder));
        return new LoadedModels(encoder, Optional.empty(), List.of(), Optional.empty(), provenance, encoders);
    }

    private LoadedModels fromCheckpoints() {
        if (properties.demoRandomWeights()) {
            log.info("hipt.model.demo-random-weights is ignored: checkpoints are configured");
        }
        Path vit256 = checkpoint("hipt.model.vit256-checkpoint", properties.vit256Checkpoint());
        Path vit4k = checkpoint("hipt.model.vit4k-checkpoint", properties.vit4kCheckpoint());
        Path subtypePath = optionalCheckpoint("hipt.model.subtype-checkpoint", properties.subtypeCheckpoint());
        Path survivalPath = optionalCheckpoint("hipt.model.survival-checkpoint", properties.survivalCheckpoint());
        if (subtypePath != null && properties.subtypeClasses().isEmpty()) {
            throw new ModelLoadException("hipt.model.subtype-checkpoint is set but hipt.model.subtype-classes is "
                    + "empty: list the class names in logit order, e.g. IDC,ILC", null);
        }
        Map<String, String> sha = new LinkedHashMap<>();
        sha.put("vit256", sha256("hipt.model.vit256-checkpoint", vit256));
        sha.put("vit4k", sha256("hipt.model.vit4k-checkpoint", vit4k));
        if (subtypePath != null) {
            sha.put("subtype", sha256("hipt.model.subtype-checkpoint", subtypePath));
        }
        if (survivalPath != null) {
            sha.put("survival", sha256("hipt.model.survival-checkpoint", survivalPath));
        }
        Provenance provenance = new Provenance(modelVersion(sha), false, Map.copyOf(sha));
        return assemble(vit256, vit4k, subtypePath, properties.subtypeClasses(), survivalPath, provenance);
    }

    /** The active set of the model registry, with the registered ids in the provenance. */
    private LoadedModels fromCatalog(ModelCatalog.ActiveSet set) {
        Map<String, String> sha = new LinkedHashMap<>();
        Map<String, String> ids = new LinkedHashMap<>();
        sha.put("vit256", set.vit256().sha256());
        ids.put("vit256", set.vit256().id().toString());
        sha.put("vit4k", set.vit4k().sha256());
        ids.put("vit4k", set.vit4k().id().toString());
        set.subtype().ifPresent(h -> {
            sha.put("subtype", h.sha256());
            ids.put("subtype", h.id().toString());
        });
        set.survival().ifPresent(h -> {
            sha.put("survival", h.sha256());
            ids.put("survival", h.id().toString());
        });
        Provenance provenance = new Provenance(modelVersion(sha), false, Map.copyOf(sha), Map.copyOf(ids), null);
        return assemble(set.vit256().file(), set.vit4k().file(),
                set.subtype().map(ModelCatalog.Checkpoint::file).orElse(null),
                set.subtype().map(ModelCatalog.Checkpoint::classes).orElse(List.of()),
                set.survival().map(ModelCatalog.Checkpoint::file).orElse(null), provenance);
    }

    /** Every model of a set is built here, through the {@link ModelFactory}. */
    private LoadedModels assemble(Path vit256, Path vit4k, Path subtypePath, List<String> subtypeClasses,
                                  Path survivalPath, Provenance provenance) {
        List<RegionEncoder> encoders = null;
        SlideHead subtype = null;
        // the heads are small: they run on the first listed device
        DevicePreference headDevice = properties.deviceSpecs().get(0).preference();
        try {
            encoders = perDevice(device -> load("hipt.model.vit256-checkpoint / vit4k-checkpoint",
                    () -> factory.encoder(vit256, vit4k, device, properties.vit256BatchSize())));
            RegionEncoder encoder = encoders.get(0);
            subtype = subtypePath == null ? null : load("hipt.model.subtype-checkpoint",
                    () -> factory.head(subtypePath, headDevice, properties.vit256BatchSize()));
            SlideHead survival = survivalPath == null ? null : load("hipt.model.survival-checkpoint",
                    () -> factory.head(survivalPath, headDevice, properties.vit256BatchSize()));
            return new LoadedModels(encoder, Optional.ofNullable(subtype), subtypeClasses,
                    Optional.ofNullable(survival), provenance.withPrecision(precision(encoder)), encoders);
        } catch (RuntimeException e) {
            if (encoders != null) {
                encoders.forEach(CheckpointModelProvider::closeModel);
            }
            closeModel(subtype);
            throw e;
        }
    }

    /**
     * One encoder per device of {@code hipt.model.devices}, in that order; those already made are closed when a later
     * one fails.
     */
    private List<RegionEncoder> perDevice(java.util.function.Function<DeviceSpec, RegionEncoder> make) {
        List<RegionEncoder> made = new ArrayList<>();
        try {
            for (DeviceSpec device : properties.deviceSpecs()) {
                made.add(make.apply(device));
            }
            return made;
        } catch (RuntimeException e) {
            made.forEach(CheckpointModelProvider::closeModel);
            throw e;
        }
    }

    /** What the ViTs compute in ({@code hipt.model.precision} resolved for the device); null for a fake encoder. */
    private static String precision(RegionEncoder encoder) {
        return encoder == null ? null : encoder.precision().label();
    }

    /** The model version of the set's backbone ({@link Provenance#backboneVersion}); heads do not enter it. */
    static String modelVersion(Map<String, String> sha256ByRole) {
        return Provenance.backboneVersion(sha256ByRole.get("vit256"), sha256ByRole.get("vit4k"));
    }

    private String sha256(String property, Path file) {
        try {
            return factory.sha256(file);
        } catch (RuntimeException e) {
            throw new ModelLoadException(property + ": cannot read " + file + ": " + e.getMessage(), e);
        }
    }

    private static <T> T load(String property, java.util.function.Supplier<T> loader) {
        try {
            return loader.get();
        } catch (ModelLoadException e) {
            throw e;
        } catch (RuntimeException e) {
            throw new ModelLoadException(property + ": " + e.getMessage(), e);
        }
    }

    private static Path optionalCheckpoint(String property, String location) {
        return ModelProperties.isSet(location) ? checkpoint(property, location) : null;
    }

    /** A checkpoint location as a readable local file: a path, or a {@code file:} URI. */
    static Path checkpoint(String property, String location) {
        Path path;
        try {
            String trimmed = location.strip();
            if (trimmed.regionMatches(true, 0, "file:", 0, 5)) {
                path = Path.of(URI.create(trimmed));
            } else if (trimmed.matches("^[A-Za-z][A-Za-z0-9+.-]+://.*")) {
                throw new ModelLoadException(property + "=" + location + ": only local paths and file: URIs are "
                        + "supported; copy the checkpoint to a local file", null);
            } else {
                path = Path.of(trimmed);
            }
        } catch (IllegalArgumentException e) {
            throw new ModelLoadException(property + "=" + location + " is not a valid path or file: URI", e);
        }
        if (!Files.isRegularFile(path)) {
            throw new ModelLoadException(property + "=" + location + ": no such file (" + path.toAbsolutePath() + ")",
                    null);
        }
        if (!Files.isReadable(path)) {
            throw new ModelLoadException(property + "=" + location + ": file is not readable", null);
        }
        return path;
    }

    /** Makes {@code models} the set new callers get; the one before is closed now or when its last lease ends. */
    private void swap(LoadedModels models) {
        Loaded next = new Loaded(models);
        Loaded old;
        synchronized (usage) {
            if (releasing) {
                old = next;
            } else {
                old = current;
                current = next;
                if (old != null && old.leases > 0) {
                    retired.add(old);
                    old = null;
                }
            }
        }
        if (old == next) {
            closeQuietly(next);
            return;
        }
        status = new Status(State.LOADED, null, models.provenance(), deviceNames(models), precisionNative(models));
        closeQuietly(old);
    }

    /** Whether every encoder runs its precision natively; null for fakes. */
    private static Boolean precisionNative(LoadedModels models) {
        if (models.encoder() == null) {
            return null;
        }
        return models.encoders().stream().allMatch(RegionEncoder::precisionNative);
    }

    /** {@code cpu}, {@code gpu(0)}, or the devices joined by commas ({@code gpu(0),gpu(1)}); null for fakes. */
    private static String deviceNames(LoadedModels models) {
        if (models.encoder() == null) {
            return null;
        }
        return String.join(",", models.encoders().stream().map(RegionEncoder::device).toList());
    }

    private Optional<ModelCatalog.ActiveSet> activeSet() {
        if (catalog == null) {
            return Optional.empty();
        }
        try {
            return catalog.active();
        } catch (RuntimeException e) {
            log.warn("Cannot read the active models from the model registry; using hipt.model.*: {}", e.getMessage());
            return Optional.empty();
        }
    }

    private void startPolling() {
        if (catalog == null || poller != null) {
            return;
        }
        poller = Executors.newSingleThreadScheduledExecutor(runnable -> {
            Thread thread = new Thread(runnable, "hipt-model-activation");
            thread.setDaemon(true);
            return thread;
        });
        long every = catalog.pollInterval().toMillis();
        poller.scheduleWithFixedDelay(this::poll, every, every, TimeUnit.MILLISECONDS);
    }

    /** Loads and swaps to the active set when the catalog's generation moved since the set now loaded. */
    void poll() {
        State state = status.state();
        if (!running || state == State.LOADING || state == State.NOT_STARTED) {
            return;
        }
        long generation;
        try {
            generation = catalog.generation();
        } catch (RuntimeException e) {
            log.debug("Model activation poll failed: {}", e.getMessage());
            return;
        }
        if (generation == loadedGeneration || generation == failedGeneration) {
            return;
        }
        try {
            Optional<ModelCatalog.ActiveSet> set = catalog.active();
            if (set.isEmpty()) {
                loadedGeneration = generation;
                return;
            }
            LoadedModels models = fromCatalog(set.get());
            swap(models);
            loadedGeneration = set.get().generation();
            log.info("Swapped to the newly activated HIPT models: model version {}, registered models {}",
                    models.provenance().modelVersion(), models.provenance().modelIds());
        } catch (RuntimeException | LinkageError e) {
            failedGeneration = generation;
            log.error("The newly activated HIPT models could not be loaded; the models loaded before keep serving: {}",
                    e.getMessage(), e);
        }
    }

    private void closeQuietly(Loaded set) {
        if (set != null) {
            factory.release(set.models);
        }
    }

    private void closeQuietly(LoadedModels models) {
        if (models != null) {
            factory.release(models);
        }
    }

    private static void closeModel(Object resource) {
        if (resource instanceof LoadedModels m) {
            m.encoders().forEach(CheckpointModelProvider::closeModel);
            m.subtype().ifPresent(CheckpointModelProvider::closeModel);
            m.survival().ifPresent(CheckpointModelProvider::closeModel);
        } else if (resource instanceof AutoCloseable c) {
            try {
                c.close();
            } catch (Exception e) {
                log.warn("closing {} failed", c, e);
            }
        }
    }

    /** What the provider needs from the model feature; a seam so tests can count and fake loads. */
    interface ModelFactory {

        String sha256(Path file);

        RegionEncoder encoder(Path vit256, Path vit4k, DeviceSpec device, int vit256BatchSize);

        RegionEncoder randomEncoder(long seed, DeviceSpec device, int vit256BatchSize);

        SlideHead head(Path checkpoint, DevicePreference device, int vit256BatchSize);

        /** Frees a set's native memory: it is swapped out and no lease holds it, or the process stops. */
        default void release(LoadedModels models) {
            closeModel(models);
        }
    }

    /** The model feature's loaders: every call into {@code dev.hipt.model} for loading lives here. */
    static final class HiptModels implements ModelFactory {

        private final boolean compiled;
        private final Precision precision;

        /** Loaders for the compiled ({@code hipt.model.compiled}) or eager path in {@code hipt.model.precision}. */
        HiptModels(boolean compiled, Precision precision) {
            this.compiled = compiled;
            this.precision = precision;
        }

        @Override
        public String sha256(Path file) {
            return CheckpointReader.sha256(file);
        }

        @Override
        public RegionEncoder encoder(Path vit256, Path vit4k, DeviceSpec device, int vit256BatchSize) {
            return RegionEncoder.load(CheckpointReader.read(vit256), CheckpointReader.read(vit4k),
                    new ModelOptions(device, vit256BatchSize, compiled, precision));
        }

        @Override
        public RegionEncoder randomEncoder(long seed, DeviceSpec device, int vit256BatchSize) {
            return RegionEncoder.random(seed, new ModelOptions(device, vit256BatchSize, compiled, precision));
        }

        @Override
        public SlideHead head(Path checkpoint, DevicePreference device, int vit256BatchSize) {
            return SlideHead.load(CheckpointReader.read(checkpoint), new ModelOptions(device, vit256BatchSize));
        }
    }
}
