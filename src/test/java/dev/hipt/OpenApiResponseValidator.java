package dev.hipt;

import com.networknt.schema.Error;
import com.networknt.schema.Schema;
import com.networknt.schema.SchemaRegistry;
import com.networknt.schema.SchemaRegistryConfig;
import com.networknt.schema.dialect.Dialect;
import com.networknt.schema.dialect.Dialects;
import com.networknt.schema.keyword.NonValidationKeyword;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Pattern;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatusCode;
import org.springframework.http.client.ClientHttpRequestInterceptor;
import org.springframework.http.client.ClientHttpResponse;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * Checks an HTTP answer against the service's OpenAPI document, as a validating proxy (Stoplight Prism) would: the
 * status must be documented for the operation, the Content-Type must be one the document lists for that status, and
 * a JSON body must satisfy the response schema (OpenAPI 3.1's dialect of JSON Schema 2020-12, with networknt's
 * json-schema-validator: {@code required}, {@code type} including {@code null}, enums, formats such as {@code uuid}
 * and {@code date-time}).
 *
 * <p>The document is the committed snapshot {@code src/test/openapi/hipt-api-v1.json}, which
 * {@link OpenApiContractIntegrationTests} keeps equal to the live {@code /v3/api-docs}; so MockMvc slices can validate
 * too. Any test may call it:
 *
 * <pre>{@code
 * OpenApiResponseValidator.instance().assertValid("GET", "/api/v1/slides/" + id, 200, contentType, body);
 * }</pre>
 *
 * An error answer (4xx, 5xx) of a path the document does not describe must still be problem+json with the
 * {@code Problem} schema.
 */
public final class OpenApiResponseValidator {

    private static final Path SNAPSHOT = OpenApiContractIntegrationTests.SNAPSHOT;
    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final String PROBLEM_JSON = "application/problem+json";
    private static volatile OpenApiResponseValidator instance;

    private final JsonNode document;
    private final List<Route> routes = new ArrayList<>();
    /** OpenAPI 3.1's dialect of JSON Schema 2020-12 ({@code example} ...), with formats asserted. */
    private final SchemaRegistry registry = SchemaRegistry.withDefaultDialect(
            Dialect.builder(Dialects.getOpenApi31()).keyword(new NonValidationKeyword("components")).build(),
            builder -> builder.schemaRegistryConfig(SchemaRegistryConfig.builder()
                    .formatAssertionsEnabled(true).build()));
    private final Map<String, Schema> schemas = new ConcurrentHashMap<>();

    OpenApiResponseValidator(JsonNode document) {
        this.document = document;
        for (String template : document.path("paths").propertyNames()) {
            routes.add(new Route(template));
        }
    }

    /** The validator of the committed OpenAPI snapshot (read once). */
    public static OpenApiResponseValidator instance() {
        OpenApiResponseValidator current = instance;
        if (current == null) {
            synchronized (OpenApiResponseValidator.class) {
                if (instance == null) {
                    try {
                        instance = new OpenApiResponseValidator(
                                JSON.readTree(Files.readString(SNAPSHOT, StandardCharsets.UTF_8)));
                    } catch (IOException e) {
                        throw new UncheckedIOException("OpenAPI snapshot " + SNAPSHOT.toAbsolutePath(), e);
                    }
                }
                current = instance;
            }
        }
        return current;
    }

    /**
     * Fails with every way the answer departs from the document.
     *
     * @param method      the HTTP method, e.g. {@code GET}
     * @param path        a path template ({@code /api/v1/slides/{id}}) or a concrete path, query allowed
     * @param status      the answer's status
     * @param contentType the answer's Content-Type header, or null when it had none
     * @param body        the answer's body as text ({@code null} or empty when it had none)
     */
    public void assertValid(String method, String path, int status, String contentType, String body) {
        List<String> problems = problems(method, path, status, contentType, body);
        if (!problems.isEmpty()) {
            throw new AssertionError(method + " " + path + " answered " + status + " (" + contentType
                    + ") not as the OpenAPI document " + SNAPSHOT + " says:\n  " + String.join("\n  ", problems)
                    + "\nbody: " + abbreviate(body));
        }
    }

    /**
     * A {@link org.springframework.web.client.RestClient} interceptor that validates every answer to an
     * {@code /api} path (the body is read into memory and handed on unchanged).
     */
    public ClientHttpRequestInterceptor interceptor() {
        return (request, requestBody, execution) -> {
            ClientHttpResponse response = execution.execute(request, requestBody);
            if (!request.getURI().getRawPath().startsWith("/api/")) {
                return response;
            }
            byte[] bytes = response.getBody().readAllBytes();
            String contentType = response.getHeaders().getFirst(HttpHeaders.CONTENT_TYPE);
            String text = new String(bytes, StandardCharsets.UTF_8);
            assertValid(request.getMethod().name(), request.getURI().getRawPath(), response.getStatusCode().value(),
                    contentType, text);
            return new BufferedResponse(response, bytes);
        };
    }

    /** Every way the answer departs from the document; empty when it matches. */
    public List<String> problems(String method, String path, int status, String contentType, String body) {
        String bare = path.contains("?") ? path.substring(0, path.indexOf('?')) : path;
        String template = template(bare);
        List<String> problems = new ArrayList<>();
        JsonNode operation = template == null ? null
                : document.path("paths").path(template).get(method.toLowerCase(Locale.ROOT));
        if (operation == null) {
            if (status < 400) {
                problems.add("the document has no operation " + method + " " + bare);
                return problems;
            }
            checkBody(JSON.createObjectNode().put("$ref", "#/components/schemas/Problem"), mediaType(contentType),
                    PROBLEM_JSON, body, problems);
            return problems;
        }
        JsonNode response = operation.path("responses").get(Integer.toString(status));
        if (response == null) {
            response = operation.path("responses").get(status / 100 + "XX");
        }
        if (response == null) {
            response = operation.path("responses").get("default");
        }
        if (response == null) {
            problems.add("status " + status + " is not documented for " + method + " " + template);
            return problems;
        }
        JsonNode content = response.path("content");
        if (content.isEmpty()) {
            if (body != null && !body.isEmpty()) {
                problems.add("the document says no body, the answer has " + body.length() + " characters");
            }
            return problems;
        }
        String actual = mediaType(contentType);
        String documented = null;
        for (String candidate : content.propertyNames()) {
            if (candidate.equalsIgnoreCase(actual)) {
                documented = candidate;
            }
        }
        if (documented == null) {
            problems.add("Content-Type " + contentType + " is not among the documented " + content.propertyNames());
            return problems;
        }
        JsonNode schema = content.path(documented).path("schema");
        if (isJson(documented) && schema.isObject()) {
            checkBody(schema, actual, documented, body, problems);
        }
        return problems;
    }

    private void checkBody(JsonNode schema, String actualType, String expectedType, String body,
            List<String> problems) {
        if (!expectedType.equalsIgnoreCase(actualType)) {
            problems.add("Content-Type " + actualType + " where the document says " + expectedType);
            return;
        }
        JsonNode value;
        try {
            value = JSON.readTree(body == null ? "" : body);
        } catch (RuntimeException notJson) {
            problems.add("the body is not JSON: " + notJson.getMessage());
            return;
        }
        if (value == null || value.isMissingNode()) {
            problems.add("the body is empty where the document says " + expectedType);
            return;
        }
        for (Error error : compiled(schema).validate(value)) {
            problems.add(error.toString());
        }
    }

    /** {@code schema} of the document, compiled with the document's components beside it for its $refs. */
    private Schema compiled(JsonNode schema) {
        return schemas.computeIfAbsent(schema.toString(), key -> {
            ObjectNode root = (ObjectNode) schema.deepCopy();
            root.set("components", document.path("components"));
            return registry.getSchema(root);
        });
    }

    /** The documented template a concrete path matches; the most literal one when several match. */
    private String template(String path) {
        Route best = null;
        for (Route route : routes) {
            if (route.matches(path) && (best == null || route.literal > best.literal)) {
                best = route;
            }
        }
        return best == null ? null : best.template;
    }

    private static String mediaType(String contentType) {
        if (contentType == null) {
            return "";
        }
        int semicolon = contentType.indexOf(';');
        return (semicolon < 0 ? contentType : contentType.substring(0, semicolon)).strip().toLowerCase(Locale.ROOT);
    }

    private static boolean isJson(String mediaType) {
        return mediaType.equals("application/json") || mediaType.endsWith("+json");
    }

    private static String abbreviate(String body) {
        if (body == null) {
            return "(none)";
        }
        return body.length() <= 2000 ? body : body.substring(0, 2000) + "...";
    }

    /** A response whose body was read into memory. */
    private record BufferedResponse(ClientHttpResponse response, byte[] body) implements ClientHttpResponse {
        @Override
        public HttpStatusCode getStatusCode() throws IOException {
            return response.getStatusCode();
        }

        @Override
        public String getStatusText() throws IOException {
            return response.getStatusText();
        }

        @Override
        public HttpHeaders getHeaders() {
            return response.getHeaders();
        }

        @Override
        public InputStream getBody() {
            return new ByteArrayInputStream(body);
        }

        @Override
        public void close() {
            response.close();
        }
    }

    private static final class Route {
        final String template;
        final Pattern pattern;
        final int literal;

        Route(String template) {
            this.template = template;
            StringBuilder regex = new StringBuilder();
            int literalChars = 0;
            for (String part : template.split("(?=\\{)|(?<=\\})")) {
                if (part.startsWith("{") && part.endsWith("}")) {
                    regex.append("[^/]+");
                } else {
                    regex.append(Pattern.quote(part));
                    literalChars += part.length();
                }
            }
            this.pattern = Pattern.compile(regex.toString());
            this.literal = literalChars;
        }

        boolean matches(String path) {
            return template.equals(path) || pattern.matcher(path).matches();
        }
    }
}
