package dev.hipt.system;

import io.swagger.v3.oas.models.Components;
import io.swagger.v3.oas.models.OpenAPI;
import io.swagger.v3.oas.models.SpecVersion;
import io.swagger.v3.oas.models.Operation;
import io.swagger.v3.oas.models.info.Info;
import io.swagger.v3.oas.models.info.License;
import io.swagger.v3.oas.models.media.Content;
import io.swagger.v3.oas.models.media.IntegerSchema;
import io.swagger.v3.oas.models.media.MediaType;
import io.swagger.v3.oas.models.media.ObjectSchema;
import io.swagger.v3.oas.models.media.Schema;
import io.swagger.v3.oas.models.media.StringSchema;
import io.swagger.v3.oas.models.responses.ApiResponse;
import io.swagger.v3.oas.models.responses.ApiResponses;
import io.swagger.v3.oas.models.security.SecurityRequirement;
import io.swagger.v3.oas.models.security.SecurityScheme;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import org.springdoc.core.customizers.OpenApiCustomizer;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.info.BuildProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * The OpenAPI document clients generate code from: title and version, the {@code ApiKey} scheme (header
 * {@code X-API-Key}) required by every operation, and the {@code Problem} schema (RFC 9457 plus {@code code}) on
 * every operation's error answers.
 */
@Configuration(proxyBeanMethods = false)
class OpenApiConfiguration {

    static final String SECURITY_SCHEME = "ApiKey";
    static final String PROBLEM_SCHEMA = "Problem";
    static final String PROBLEM_JSON = "application/problem+json";

    /** Sorted, so the document is the same on every start (Map.of iterates in a per-JVM random order). */
    private static final Map<String, String> COMMON_ERRORS = new TreeMap<>(Map.of(
            "400", "Malformed request or invalid parameter (code BAD_REQUEST or VALIDATION_FAILED)",
            "401", "No or an unknown API key in X-API-Key (code UNAUTHORIZED)",
            "403", "The API key's role may not call this operation (code FORBIDDEN)",
            "500", "Service failure; never caused by bad input (code INTERNAL_ERROR)",
            "503", "The database cannot be reached now (code SERVICE_UNAVAILABLE); retry after Retry-After seconds"));

    @Bean
    OpenAPI hiptOpenApi(ObjectProvider<BuildProperties> build) {
        String version = build.getIfAvailable() == null ? "v1" : build.getIfAvailable().getVersion();
        return new OpenAPI()
                .info(new Info().title("HIPT inference service API").version(version)
                        .description("Upload whole-slide images, follow their analysis jobs and read HIPT region and"
                                + " slide embeddings and predictions. Every /api call needs an API key in the"
                                + " X-API-Key header. Errors are RFC 9457 application/problem+json with a stable"
                                + " `code`.")
                        // the service's own code (LICENSE); HIPT's weights, never bundled, keep their own licence
                        .license(new License().name("Apache-2.0").identifier("Apache-2.0")))
                .components(new Components()
                        .addSecuritySchemes(SECURITY_SCHEME, new SecurityScheme().type(SecurityScheme.Type.APIKEY)
                                .in(SecurityScheme.In.HEADER).name(ApiKeyAuthenticationFilter.HEADER)
                                .description("The key itself; the service stores only its SHA-256"))
                        .addSchemas(PROBLEM_SCHEMA, problemSchema()))
                .addSecurityItem(new SecurityRequirement().addList(SECURITY_SCHEME));
    }

    /** Adds the common problem+json answers to every API operation that does not document them itself. */
    @Bean
    OpenApiCustomizer problemResponses() {
        return openApi -> {
            // springdoc rebuilds the schema components from the scanned types: add Problem (again) here.
            if (openApi.getComponents() == null) {
                openApi.setComponents(new Components());
            }
            openApi.getComponents().addSchemas(PROBLEM_SCHEMA, problemSchema());
            if (openApi.getPaths() == null) {
                return;
            }
            openApi.getPaths().forEach((path, item) -> {
                if (!path.startsWith("/api/")) {
                    return;
                }
                for (Operation operation : item.readOperations()) {
                    ApiResponses responses = operation.getResponses() == null ? new ApiResponses()
                            : operation.getResponses();
                    COMMON_ERRORS.forEach((status, description) -> {
                        if (!responses.containsKey(status)) {
                            responses.addApiResponse(status, new ApiResponse().description(description));
                        }
                    });
                    // Every 4xx/5xx answer is problem+json with the Problem schema.
                    responses.forEach((status, response) -> {
                        if (status.startsWith("4") || status.startsWith("5")) {
                            response.setContent(new Content().addMediaType(PROBLEM_JSON, new MediaType()
                                    .schema(new Schema<>().$ref("#/components/schemas/" + PROBLEM_SCHEMA))));
                        }
                    });
                    operation.setResponses(responses);
                }
            });
        };
    }

    /**
     * Marks every property of every schema an answer uses as required. Jackson writes each component of a response
     * record, null included, so a property is always there; whether it may be null is its own type's business
     * ({@code @Schema(nullable = true)}, rendered as {@code "type": [..., "null"]} or {@code anyOf [ref, null]}).
     * Schemas only requests use (the upload form) and the hand-written {@code Problem} keep their own list.
     */
    @Bean
    OpenApiCustomizer requiredResponseProperties() {
        return openApi -> {
            if (openApi.getComponents() == null || openApi.getComponents().getSchemas() == null
                    || openApi.getPaths() == null) {
                return;
            }
            Map<String, Schema> schemas = openApi.getComponents().getSchemas();
            Set<String> answered = new TreeSet<>();
            openApi.getPaths().values().forEach(item -> item.readOperations().forEach(operation -> {
                if (operation.getResponses() != null) {
                    operation.getResponses().values().forEach(response -> {
                        if (response.getContent() != null) {
                            response.getContent().values().forEach(media -> reach(media.getSchema(), schemas,
                                    answered));
                        }
                    });
                }
            }));
            answered.remove(PROBLEM_SCHEMA);
            for (String name : answered) {
                Schema<?> schema = schemas.get(name);
                if (schema != null && schema.getProperties() != null && !schema.getProperties().isEmpty()) {
                    schema.setRequired(new ArrayList<>(schema.getProperties().keySet()));
                }
            }
        };
    }

    /** Adds the component names {@code schema} refers to, transitively, to {@code reached}. */
    @SuppressWarnings("rawtypes")
    private static void reach(Schema schema, Map<String, Schema> components, Set<String> reached) {
        if (schema == null) {
            return;
        }
        if (schema.get$ref() != null) {
            String name = schema.get$ref().substring(schema.get$ref().lastIndexOf('/') + 1);
            if (reached.add(name)) {
                reach(components.get(name), components, reached);
            }
        }
        if (schema.getProperties() != null) {
            for (Object property : schema.getProperties().values()) {
                reach((Schema) property, components, reached);
            }
        }
        reach(schema.getItems(), components, reached);
        if (schema.getAdditionalProperties() instanceof Schema additional) {
            reach(additional, components, reached);
        }
        for (List<Schema> composed : Arrays.asList(schema.getAnyOf(), schema.getOneOf(), schema.getAllOf())) {
            if (composed != null) {
                composed.forEach(part -> reach(part, components, reached));
            }
        }
    }

    /**
     * Rewrites nullable references for OpenAPI 3.1. springdoc renders {@code @Schema(nullable = true)} on a property
     * whose type is another schema as {@code {"type": "null", "$ref": ...}}, which no value satisfies (a strict
     * validator refuses both null and the object) and which generated clients read inconsistently. This makes each
     * such property {@code {"anyOf": [{"$ref": ...}, {"type": "null"}]}}, keeping its description.
     */
    @Bean
    OpenApiCustomizer nullableReferences() {
        return openApi -> {
            if (openApi.getComponents() == null || openApi.getComponents().getSchemas() == null) {
                return;
            }
            for (Schema<?> schema : openApi.getComponents().getSchemas().values()) {
                if (schema.getProperties() != null) {
                    schema.getProperties().replaceAll((name, property) -> nullableReference(property));
                }
            }
        };
    }

    @SuppressWarnings({"rawtypes", "unchecked"})
    static Schema nullableReference(Schema property) {
        boolean nullType = "null".equals(property.getType())
                || (property.getTypes() != null && property.getTypes().contains("null"));
        if (property.get$ref() == null || !nullType) {
            return property;
        }
        Schema reference = new Schema<>().specVersion(SpecVersion.V31).$ref(property.get$ref());
        Schema nothing = new Schema<>().specVersion(SpecVersion.V31);
        nothing.addType("null");
        return new Schema<>().specVersion(SpecVersion.V31).description(property.getDescription())
                .anyOf(List.of(reference, nothing));
    }

    @SuppressWarnings("rawtypes")
    private static Schema problemSchema() {
        return new ObjectSchema()
                .description("RFC 9457 problem details with a stable machine-readable code")
                .required(List.of("title", "status", "code"))
                .addProperty("type", new StringSchema().format("uri").example("about:blank"))
                .addProperty("title", new StringSchema().example("Unprocessable Content"))
                .addProperty("status", new IntegerSchema().example(422))
                .addProperty("detail", new StringSchema().example("Not a slide or image format the service reads"))
                .addProperty("instance", new StringSchema().format("uri-reference").example("/api/v1/slides"))
                .addProperty("code", new StringSchema().description("Stable error code clients switch on; known values:"
                                + " BAD_REQUEST, VALIDATION_FAILED, UNAUTHORIZED, FORBIDDEN, NOT_FOUND,"
                                + " RESULTS_NOT_FOUND, PATCHES_NOT_AVAILABLE, METHOD_NOT_ALLOWED, NOT_ACCEPTABLE,"
                                + " CONFLICT, PAYLOAD_TOO_LARGE, UNSUPPORTED_MEDIA_TYPE, UNSUPPORTED_FORMAT,"
                                + " CORRUPT_SLIDE, MPP_UNKNOWN, NO_TISSUE, QUEUE_FULL, MODEL_NOT_CONFIGURED,"
                                + " INTERNAL_ERROR (more may be added; treat unknown values by their HTTP status)")
                        .example("UNSUPPORTED_FORMAT"));
    }
}
