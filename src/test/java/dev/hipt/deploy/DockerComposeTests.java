package dev.hipt.deploy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code docker-compose.yml} as {@code docker compose} reads it (YAML anchors and merge keys resolved): the service
 * binds every {@code HIPT_} and {@code SPRING_} variable it sets, the roles are split as in the chart, and the worker may finish a
 * region before it is killed.
 */
class DockerComposeTests {

    private static final BoundEnvironment BOUND = BoundEnvironment.load();

    @Test
    void setsOnlyEnvironmentVariablesTheServiceBinds() throws IOException {
        Map<String, Map<String, String>> env = environments(Files.readString(Path.of("docker-compose.yml")));

        assertThat(env).containsKeys("api", "worker");
        env.forEach((service, vars) -> assertThat(unbound(vars)).as("%s variables no property binds", service).isEmpty());
    }

    @Test
    void catchesAnEnvironmentVariableTheServiceDoesNotBind() {
        String compose = """
                x-env: &env
                  HIPT_STORAGE_S3_PATH_STYLE: "true"
                services:
                  api:
                    environment:
                      <<: *env
                      HIPT_JOB_WORKERSPERDEVICE: "0"
                  worker:
                    environment: ["SPRING_PROFILE_ACTIVE=postgres", "HIPT_JOB_READERTHREADS=2"]
                """;

        Map<String, Map<String, String>> env = environments(compose);

        assertThat(unbound(env.get("api"))).containsExactly("HIPT_STORAGE_S3_PATH_STYLE");
        assertThat(unbound(env.get("worker"))).containsExactly("SPRING_PROFILE_ACTIVE");
    }

    @Test
    void apiServesOnlyAndTheWorkerMayFinishItsRegionOnStop() throws IOException {
        String yaml = Files.readString(Path.of("docker-compose.yml"));
        Map<String, Map<String, String>> env = environments(yaml);
        Map<String, Object> worker = services(yaml).get("worker");

        assertThat(env.get("api")).containsEntry("HIPT_JOB_WORKERSPERDEVICE", "0");
        assertThat(Integer.parseInt(env.get("worker").get("HIPT_JOB_WORKERSPERDEVICE"))).isPositive();
        Duration shutdownMaxWait = duration(env.get("worker").get("HIPT_JOB_SHUTDOWNMAXWAIT"));
        assertThat(duration(String.valueOf(worker.get("stop_grace_period")))).isGreaterThan(shutdownMaxWait);
        assertThat(shutdownMaxWait).isGreaterThanOrEqualTo(Duration.ofSeconds(120));
    }

    static List<String> unbound(Map<String, String> vars) {
        return vars.keySet().stream().filter(n -> n.startsWith("HIPT_") || n.startsWith("SPRING_"))
                .filter(n -> !BOUND.binds(n)).toList();
    }

    /** Each service's environment, from a map or a list of NAME=value. */
    static Map<String, Map<String, String>> environments(String yaml) {
        Map<String, Map<String, String>> result = new LinkedHashMap<>();
        services(yaml).forEach((name, service) -> {
            Map<String, String> vars = new LinkedHashMap<>();
            Object environment = service.get("environment");
            if (environment instanceof Map<?, ?> map) {
                map.forEach((k, v) -> vars.put(String.valueOf(k), v == null ? null : String.valueOf(v)));
            } else if (environment instanceof List<?> list) {
                list.forEach(entry -> {
                    String[] kv = String.valueOf(entry).split("=", 2);
                    vars.put(kv[0], kv.length > 1 ? kv[1] : null);
                });
            }
            result.put(name, vars);
        });
        return result;
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Map<String, Object>> services(String yaml) {
        Map<String, Object> compose = new Yaml(new SafeConstructor(new LoaderOptions())).load(yaml);
        return (Map<String, Map<String, Object>>) compose.get("services");
    }

    /** A compose or Spring duration such as {@code 300s} or {@code 5m}. */
    private static Duration duration(String text) {
        assertThat(text).as("a duration").isNotNull().isNotEqualTo("null");
        return Duration.parse("PT" + text.toUpperCase());
    }
}
