package dev.hipt.deploy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Invariants of the Dockerfiles that hold without a Docker engine: non-root, a health check on the liveness probe,
 * no weights copied in, settings the service binds, and (CUDA image) the libtorch DJL expects.
 */
class DockerfileTests {

    private static final BoundEnvironment BOUND = BoundEnvironment.load();

    @ParameterizedTest
    @ValueSource(strings = {"Dockerfile", "Dockerfile.cuda"})
    void runsAsAnUnprivilegedUserWithAHealthCheckAndNoWeights(String file) throws IOException {
        List<String> lines = instructions(file);

        assertThat(lines).filteredOn(l -> l.startsWith("USER ")).last().asString()
                .doesNotMatch("USER\\s+(root|0)(:.*)?");
        assertThat(lines).filteredOn(l -> l.startsWith("HEALTHCHECK ")).singleElement().asString()
                .contains(ActuatorPaths.fromApplicationYml().liveness());
        assertThat(lines).filteredOn(l -> l.matches("(COPY|ADD) .*"))
                .noneMatch(l -> l.matches("(?i).*(\\.pth|\\.safetensors|\\.pt\\b|weights|checkpoints).*"));
    }

    @ParameterizedTest
    @ValueSource(strings = {"Dockerfile", "Dockerfile.cuda"})
    void setsOnlyEnvironmentVariablesTheServiceBinds(String file) throws IOException {
        Matcher m = Pattern.compile("\\b((?:HIPT|SPRING)_[A-Z0-9_]+)=").matcher(String.join("\n", instructions(file)));
        int seen = 0;
        while (m.find()) {
            seen++;
            assertThat(BOUND.binds(m.group(1))).as("%s: %s is bound", file, m.group(1)).isTrue();
        }
        assertThat(seen).isPositive();
    }

    @Test
    void cudaImageBringsTheLibtorchOfDjlsPytorchVersion() throws IOException {
        String pom = Files.readString(Path.of("pom.xml"));
        Matcher version = Pattern.compile("<pytorch.native.version>([^<]+)<").matcher(pom);
        assertThat(version.find()).isTrue();
        String cuda = String.join("\n", instructions("Dockerfile.cuda"));

        assertThat(cuda).contains("ARG PYTORCH_VERSION=" + version.group(1))
                .contains("PYTORCH_LIBRARY_PATH=/opt/libtorch/lib").contains("PYTORCH_FLAVOR=${PYTORCH_FLAVOR}");
        Matcher flavor = Pattern.compile("ARG PYTORCH_FLAVOR=(\\S+)").matcher(cuda);
        assertThat(flavor.find()).isTrue();
        // the JNI glue of that flavor must be in the pytorch-jni jar: the image runs with ai.djl.offline=true
        assertThat(DockerfileTests.class.getClassLoader()
                .getResource("jnilib/linux-x86_64/" + flavor.group(1) + "/libdjl_torch.so")).isNotNull();
    }

    /** Instructions with line continuations joined and comments dropped. */
    private static List<String> instructions(String file) throws IOException {
        String text = Files.readString(Path.of(file)).replaceAll("(?m)^\\s*#.*\\n", "").replaceAll("\\\\\\n\\s*", " ");
        return text.lines().map(String::strip).filter(l -> !l.isEmpty()).toList();
    }
}
