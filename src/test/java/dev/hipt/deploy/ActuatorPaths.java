package dev.hipt.deploy;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Objects;

import org.yaml.snakeyaml.Yaml;

/**
 * The health probe paths that {@code src/main/resources/application.yml} really serves: the actuator base path, the
 * {@code health} endpoint exposed over the web, and the liveness/readiness groups switched on by
 * {@code management.endpoint.health.probes.enabled}.
 */
record ActuatorPaths(String liveness, String readiness) {

    static ActuatorPaths fromApplicationYml() {
        Map<String, Object> yml;
        try {
            yml = new Yaml().load(Files.readString(Path.of("src/main/resources/application.yml")));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        String base = Objects.toString(at(yml, "management", "endpoints", "web", "base-path"), "/actuator");
        Object exposed = at(yml, "management", "endpoints", "web", "exposure", "include");
        List<String> include = exposed instanceof List<?> l ? l.stream().map(String::valueOf).toList()
                : List.of(String.valueOf(exposed).split("\\s*,\\s*"));
        if (!include.contains("health") && !include.contains("*")) {
            throw new IllegalStateException("application.yml does not expose the health endpoint over HTTP");
        }
        if (!Boolean.TRUE.equals(at(yml, "management", "endpoint", "health", "probes", "enabled"))) {
            throw new IllegalStateException("application.yml does not enable the health probe groups "
                    + "(management.endpoint.health.probes.enabled)");
        }
        return new ActuatorPaths(base + "/health/liveness", base + "/health/readiness");
    }

    private static Object at(Map<String, Object> yml, String... keys) {
        Object node = yml;
        for (String key : keys) {
            if (!(node instanceof Map<?, ?> map)) {
                return null;
            }
            node = map.get(key);
        }
        return node;
    }
}
