package dev.hipt.training;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hipt.ServiceIntegrationTestSupport;
import dev.hipt.TinyCheckpoints;
import dev.hipt.job.ModelProperties;
import dev.hipt.model.DevicePreference;
import dev.hipt.model.Precision;
import dev.hipt.model.Safetensors;
import dev.hipt.model.VisionTransformer;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.test.context.ContextConfiguration;

/** The checkpoints configured with {@code hipt.model.*} are registered at start-up and active. */
@ContextConfiguration(initializers = TinyCheckpoints.Initializer.class)
class ConfiguredModelsIntegrationTests extends ServiceIntegrationTestSupport {

    @Autowired
    private ModelRegistry registry;

    @Autowired
    private ModelProperties configured;

    @TempDir
    Path tmp;

    @Test
    void registersAndActivatesTheConfiguredBackboneAtStartUp() {
        RegisteredModel vit256 = registry.active(ModelKind.VIT256).orElseThrow();
        RegisteredModel vit4k = registry.active(ModelKind.VIT4K).orElseThrow();

        assertThat(vit256.source()).isEqualTo("config");
        assertThat(vit256.name()).isEqualTo("vit256.safetensors");
        assertThat(vit256.sha256()).isEqualTo(dev.hipt.model.CheckpointReader.sha256(
                Path.of(configured.vit256Checkpoint())));
        assertThat(vit4k.source()).isEqualTo("config");
        assertThat(registry.active(ModelKind.SUBTYPE_HEAD)).isEmpty();
        assertThat(admin.get().uri("/api/v1/admin/models/" + vit256.id()).retrieve().body(String.class))
                .contains("\"active\":true");
    }

    @Test
    void aRestartWithOtherConfiguredWeightsActivatesThemUnlessAnAdminChoseOthers() throws IOException {
        Path other = tmp.resolve("vit256-other.safetensors");
        Safetensors.write(other, VisionTransformer.vit256(1).randomStateDict(99), Map.of());
        ModelProperties changed = new ModelProperties(other.toString(), configured.vit4kCheckpoint(), null, List.of(),
                null, DevicePreference.CPU, 64, false, 42, true, Precision.AUTO, List.of());
        RegisteredModel before = registry.active(ModelKind.VIT256).orElseThrow();
        try {
            new ConfiguredModels(changed, registry).start();
            RegisteredModel now = registry.active(ModelKind.VIT256).orElseThrow();
            assertThat(now.id()).isNotEqualTo(before.id());
            assertThat(now.name()).isEqualTo("vit256-other.safetensors");

            registry.activate(before.id());
            new ConfiguredModels(changed, registry).start();
            assertThat(registry.active(ModelKind.VIT256).orElseThrow().id()).isEqualTo(before.id());
        } finally {
            registry.activate(before, "config");
        }
    }
}
