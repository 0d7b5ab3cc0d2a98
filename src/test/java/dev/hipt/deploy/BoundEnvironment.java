package dev.hipt.deploy;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.lang.reflect.RecordComponent;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * The environment variables the service reads: every property of the Spring Boot configuration metadata on the
 * classpath (this service's {@code hipt.*} records, written by spring-boot-configuration-processor, and Spring
 * Boot's own {@code spring.*}) in its relaxed-binding environment form, plus the {@code ${NAME...}} placeholders of
 * {@code src/main/resources/application*.yml}.
 */
final class BoundEnvironment {

    private static final String[] METADATA = {"META-INF/spring-configuration-metadata.json",
            "META-INF/additional-spring-configuration-metadata.json"};
    private static final Pattern PLACEHOLDER = Pattern.compile("\\$\\{([A-Z][A-Z0-9_]*)[:}]");
    private static final Pattern LIST = Pattern.compile("java\\.util\\.(?:List|Set|Collection)<(.+)>|(.+)\\[]");

    private final Set<String> exact = new HashSet<>();
    private final List<Pattern> patterns = new ArrayList<>();
    private final Set<String> hiptProperties = new HashSet<>();

    private BoundEnvironment() {
    }

    /** What this build's classpath and application*.yml bind. */
    static BoundEnvironment load() {
        BoundEnvironment bound = new BoundEnvironment();
        ObjectMapper json = new ObjectMapper();
        try {
            for (String name : METADATA) {
                for (URL url : Collections.list(BoundEnvironment.class.getClassLoader().getResources(name))) {
                    try (InputStream in = url.openStream()) {
                        for (JsonNode property : json.readTree(in).path("properties")) {
                            bound.add(property.path("name").asText(), property.path("type").asText(""));
                        }
                    }
                }
            }
            try (var files = Files.list(Path.of("src/main/resources"))) {
                for (Path yml : files.filter(f -> f.getFileName().toString().matches("application.*\\.ya?ml")).toList()) {
                    Matcher m = PLACEHOLDER.matcher(Files.readString(yml));
                    while (m.find()) {
                        bound.exact.add(m.group(1));
                    }
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bound;
    }

    /** Whether the service reads the environment variable {@code name}. */
    boolean binds(String name) {
        return exact.contains(name) || patterns.stream().anyMatch(p -> p.matcher(name).matches());
    }

    /** The {@code hipt.*} properties of the generated metadata (empty: the configuration processor did not run). */
    Set<String> hiptProperties() {
        return hiptProperties;
    }

    /** Spring's environment form of a property name: upper case, {@code .} to {@code _}, {@code -} dropped. */
    static String envName(String property) {
        return property.replaceAll("\\[(\\d+)]", "_$1_").replace('.', '_').replace("-", "")
                .replaceAll("_+", "_").replaceAll("_$", "").toUpperCase(Locale.ROOT);
    }

    private void add(String property, String type) {
        if (property.startsWith("hipt.")) {
            hiptProperties.add(property);
        }
        String env = envName(property);
        exact.add(env);
        Matcher list = LIST.matcher(type);
        if (type.startsWith("java.util.Map<")) {
            patterns.add(Pattern.compile(Pattern.quote(env) + "_[A-Z0-9_]+"));
        } else if (list.matches()) {
            String element = list.group(1) != null ? list.group(1) : list.group(2);
            Class<?> record = recordClass(element);
            if (record == null) {
                patterns.add(Pattern.compile(Pattern.quote(env) + "_\\d+"));
            } else {
                for (RecordComponent component : record.getRecordComponents()) {
                    String field = envName(component.getName().replaceAll("([A-Z])", "-$1"));
                    patterns.add(Pattern.compile(Pattern.quote(env) + "_\\d+_" + Pattern.quote(field)));
                }
            }
        }
    }

    /** The record named by a metadata type, nested types written with {@code $} or {@code .}; null if none. */
    private static Class<?> recordClass(String type) {
        String name = type;
        while (true) {
            try {
                Class<?> c = Class.forName(name, false, BoundEnvironment.class.getClassLoader());
                return c.isRecord() ? c : null;
            } catch (ClassNotFoundException | LinkageError e) {
                int dot = name.lastIndexOf('.');
                if (dot < 0) {
                    return null;
                }
                name = name.substring(0, dot) + '$' + name.substring(dot + 1);
            }
        }
    }
}
