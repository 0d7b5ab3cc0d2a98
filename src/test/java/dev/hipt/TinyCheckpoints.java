package dev.hipt;

import dev.hipt.model.Safetensors;
import dev.hipt.model.VisionTransformer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.springframework.context.ApplicationContextInitializer;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.core.env.MapPropertySource;

/**
 * Seeded ViT-256 and ViT-4K of one block each, written as safetensors checkpoints that the service loads through
 * its real checkpoint path: analyses run the whole pipeline in about a second per region.
 */
public final class TinyCheckpoints {

    private TinyCheckpoints() {
    }

    /** Writes both checkpoints into {@code dir} and returns the properties that configure them. */
    public static Map<String, String> write(Path dir) throws IOException {
        Files.createDirectories(dir);
        Path vit256 = dir.resolve("vit256.safetensors");
        Path vit4k = dir.resolve("vit4k.safetensors");
        Safetensors.write(vit256, VisionTransformer.vit256(1).randomStateDict(7), Map.of());
        Safetensors.write(vit4k, VisionTransformer.vit4k(1).randomStateDict(8), Map.of());
        return Map.of("hipt.model.vit256-checkpoint", vit256.toString(),
                "hipt.model.vit4k-checkpoint", vit4k.toString());
    }

    /** Configures a Spring test context with freshly written tiny checkpoints. */
    public static final class Initializer implements ApplicationContextInitializer<ConfigurableApplicationContext> {
        @Override
        public void initialize(ConfigurableApplicationContext context) {
            try {
                Map<String, String> properties = write(Files.createTempDirectory("hipt-tiny-weights-"));
                context.getEnvironment().getPropertySources().addFirst(
                        new MapPropertySource("tiny-checkpoints", Map.<String, Object>copyOf(properties)));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }
}
