package dev.hipt.training;

import dev.hipt.job.ModelProperties;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.SmartLifecycle;
import org.springframework.stereotype.Component;

/**
 * Registers the checkpoints configured with {@code hipt.model.*} at start-up (source {@code config}) and makes each
 * the active one of its kind unless an admin activated another: existing deployments keep working, and an admin's
 * choice survives restarts. Runs before the model provider loads (a lower lifecycle phase). A configured file that
 * cannot be registered is logged and skipped; the model provider reports it as it always has.
 */
@Component
class ConfiguredModels implements SmartLifecycle {

    private static final Logger log = LoggerFactory.getLogger(ConfiguredModels.class);

    private final ModelProperties properties;
    private final ModelRegistry registry;
    private volatile boolean running;

    ConfiguredModels(ModelProperties properties, ModelRegistry registry) {
        this.properties = properties;
        this.registry = registry;
    }

    @Override
    public void start() {
        running = true;
        for (Map.Entry<ModelKind, String> configured : configured().entrySet()) {
            ModelKind kind = configured.getKey();
            try {
                Path file = localFile(configured.getValue());
                List<String> classes = kind == ModelKind.SUBTYPE_HEAD ? properties.subtypeClasses() : List.of();
                RegisteredModel model = registry.register(kind, file,
                        new ModelRegistration(file.getFileName().toString(), "config", classes, List.of(), Map.of()));
                String by = registry.activatedBy(kind).orElse("config");
                if (by.equals("config") && !model.active()) {
                    registry.activate(model, "config");
                } else if (!by.equals("config")) {
                    log.info("Configured {} checkpoint {} is registered as {}; the model an admin activated stays "
                            + "active", kind.json(), file, model.id());
                }
            } catch (RuntimeException e) {
                log.warn("Configured {} checkpoint {} was not registered: {}", kind.json(), configured.getValue(),
                        e.getMessage());
            }
        }
    }

    private Map<ModelKind, String> configured() {
        Map<ModelKind, String> out = new LinkedHashMap<>();
        put(out, ModelKind.VIT256, properties.vit256Checkpoint());
        put(out, ModelKind.VIT4K, properties.vit4kCheckpoint());
        put(out, ModelKind.SUBTYPE_HEAD, properties.subtypeCheckpoint());
        put(out, ModelKind.SURVIVAL_HEAD, properties.survivalCheckpoint());
        return out;
    }

    private static void put(Map<ModelKind, String> out, ModelKind kind, String location) {
        if (location != null && !location.isBlank()) {
            out.put(kind, location.strip());
        }
    }

    /** A path or a {@code file:} URI, as {@code hipt.model.*} accepts them. */
    private static Path localFile(String location) {
        Path path = location.regionMatches(true, 0, "file:", 0, 5) ? Path.of(URI.create(location)) : Path.of(location);
        if (!Files.isRegularFile(path)) {
            throw new IllegalArgumentException("no such file");
        }
        return path;
    }

    @Override
    public void stop() {
        running = false;
    }

    @Override
    public boolean isRunning() {
        return running;
    }

    /** Before the model provider ({@code DEFAULT_PHASE - 1}) starts loading what is active. */
    @Override
    public int getPhase() {
        return SmartLifecycle.DEFAULT_PHASE - 2;
    }
}
