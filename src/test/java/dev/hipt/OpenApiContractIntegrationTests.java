package dev.hipt;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.SerializationFeature;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * The committed OpenAPI document {@code src/test/openapi/hipt-api-v1.json}, from which the build generates the Java
 * client of {@link EndToEndIntegrationTests}, is the document the running service serves at {@code /v3/api-docs}
 * (apart from {@code servers}, which names the test's random port). A change to the API that is not snapshotted fails
 * here, so the generated client can never drift silently from the service.
 *
 * <p>To refresh the snapshot after an intended API change, run this test with {@code -Dhipt.openapi.update=true}:
 * it writes the live document (pretty-printed) over the snapshot, and the next build regenerates the client.
 */
class OpenApiContractIntegrationTests extends ServiceIntegrationTestSupport {

    /** The snapshot, relative to the project directory (failsafe's working directory). */
    static final Path SNAPSHOT = Path.of("src/test/openapi/hipt-api-v1.json");
    private static final String REFRESH = "./mvnw -o verify -Dtest=none -Dsurefire.failIfNoSpecifiedTests=false"
            + " -Dit.test=OpenApiContractIntegrationTests -Dhipt.openapi.update=true";

    private static final int MAX_DIFFERENCES = 20;
    private static final JsonMapper JSON = JsonMapper.builder()
            .enable(SerializationFeature.INDENT_OUTPUT)
            .build();

    @Test
    void servesTheCommittedOpenApiDocument() throws IOException {
        ObjectNode live = withoutServers(JSON.readTree(
                anonymous.get().uri("/v3/api-docs").retrieve().body(String.class)));

        if (Boolean.getBoolean("hipt.openapi.update")) {
            Files.createDirectories(SNAPSHOT.getParent());
            Files.writeString(SNAPSHOT, JSON.writeValueAsString(live) + "\n", StandardCharsets.UTF_8);
        }
        assertThat(SNAPSHOT).as("OpenAPI snapshot %s is missing; create it with: %s", SNAPSHOT.toAbsolutePath(),
                REFRESH).isRegularFile();
        JsonNode committed = withoutServers(JSON.readTree(Files.readString(SNAPSHOT, StandardCharsets.UTF_8)));

        List<String> differences = new ArrayList<>();
        differences("", committed, live, differences);
        assertThat(differences).as("The service's /v3/api-docs differs from the committed snapshot %s, from which"
                        + " the test client is generated, at these JSON pointers (snapshot -> live). If the API"
                        + " change is intended, refresh the snapshot with: %s", SNAPSHOT, REFRESH)
                .isEmpty();
        assertThat(live).isEqualTo(committed);
    }

    @Test
    void snapshotDescribesBothUploadBodies() throws IOException {
        JsonNode upload = JSON.readTree(Files.readString(SNAPSHOT, StandardCharsets.UTF_8))
                .path("paths").path("/api/v1/slides").path("post").path("requestBody").path("content");

        assertThat(upload.path("multipart/form-data").path("schema").path("$ref").asString())
                .endsWith("/SlideUploadForm");
        assertThat(upload.path("application/octet-stream").path("schema").path("format").asString())
                .isEqualTo("binary");
    }

    @Test
    void liveDocumentHasNoReferenceWithSiblingType() {
        JsonNode live = JSON.readTree(anonymous.get().uri("/v3/api-docs").retrieve().body(String.class));
        List<String> offending = new ArrayList<>();
        referencesWithType("", live, offending);

        assertThat(offending).as("{\"$ref\", \"type\"} side by side (OpenAPI 3.1: no value satisfies"
                + " {\"type\": \"null\", \"$ref\": ...}); nullable references must be anyOf [ref, null]").isEmpty();
    }

    private static void referencesWithType(String pointer, JsonNode node, List<String> out) {
        if (node.isObject()) {
            if (node.has("$ref") && node.has("type")) {
                out.add(pointer);
            }
            for (String name : node.propertyNames()) {
                referencesWithType(pointer + "/" + name, node.get(name), out);
            }
        } else if (node.isArray()) {
            for (int i = 0; i < node.size(); i++) {
                referencesWithType(pointer + "/" + i, node.get(i), out);
            }
        }
    }

    /** Collects the JSON pointers where {@code expected} and {@code actual} differ (at most 20). */
    static void differences(String pointer, JsonNode expected, JsonNode actual, List<String> out) {
        if (out.size() >= MAX_DIFFERENCES || expected.equals(actual)) {
            return;
        }
        if (expected.isObject() && actual.isObject()) {
            Set<String> names = new TreeSet<>(expected.propertyNames());
            names.addAll(actual.propertyNames());
            for (String name : names) {
                String child = pointer + "/" + name.replace("~", "~0").replace("/", "~1");
                if (!expected.has(name)) {
                    out.add(child + ": (absent) -> " + abbreviate(actual.get(name)));
                } else if (!actual.has(name)) {
                    out.add(child + ": " + abbreviate(expected.get(name)) + " -> (absent)");
                } else {
                    differences(child, expected.get(name), actual.get(name), out);
                }
            }
        } else if (expected.isArray() && actual.isArray() && expected.size() == actual.size()) {
            for (int i = 0; i < expected.size(); i++) {
                differences(pointer + "/" + i, expected.get(i), actual.get(i), out);
            }
        } else {
            out.add((pointer.isEmpty() ? "/" : pointer) + ": " + abbreviate(expected) + " -> " + abbreviate(actual));
        }
    }

    private static String abbreviate(JsonNode node) {
        String text = node.toString();
        return text.length() <= 200 ? text : text.substring(0, 200) + "...";
    }

    private static ObjectNode withoutServers(JsonNode document) {
        ObjectNode copy = (ObjectNode) document.deepCopy();
        copy.remove("servers");
        return copy;
    }
}
