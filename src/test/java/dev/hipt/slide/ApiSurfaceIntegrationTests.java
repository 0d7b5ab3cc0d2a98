package dev.hipt.slide;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/** What any caller meets first: API keys, roles, open operations endpoints and the OpenAPI document. */
class ApiSurfaceIntegrationTests extends SlideIntegrationTestSupport {

    @Test
    void refusesApiCallsWithoutKeyAsProblem() {
        Answer answer = get("/api/v1/slides", null);

        assertThat(answer.status()).isEqualTo(401);
        assertThat(answer.contentType()).startsWith("application/problem+json");
        assertThat(answer.code()).isEqualTo("UNAUTHORIZED");
        assertThat(answer.headers().firstValue("WWW-Authenticate")).hasValueSatisfying(
                value -> assertThat(value).contains("X-API-Key"));
    }

    @Test
    void refusesApiCallsWithUnknownKey() {
        Answer answer = get("/api/v1/slides", "not-a-configured-key");

        assertThat(answer.status()).isEqualTo(401);
        assertThat(answer.code()).isEqualTo("UNAUTHORIZED");
    }

    @Test
    void refusesUploadsWithoutKeyBeforeReadingThem() {
        Answer answer = send(java.net.http.HttpRequest.newBuilder(
                        java.net.URI.create(baseUrl() + "/api/v1/slides?filename=x.png"))
                .header("Content-Type", "application/octet-stream")
                .POST(java.net.http.HttpRequest.BodyPublishers.ofByteArray(uniquePng())).build());

        assertThat(answer.status()).isEqualTo(401);
        assertThat(filesUnder("tmp")).isEmpty();
    }

    @Test
    void refusesUploadsOfOtherContentTypes() {
        Answer answer = send(java.net.http.HttpRequest.newBuilder(
                        java.net.URI.create(baseUrl() + "/api/v1/slides?filename=x.png"))
                .header("X-API-Key", CLIENT_KEY)
                .header("Content-Type", "application/json")
                .POST(java.net.http.HttpRequest.BodyPublishers.ofString("{}")).build());

        assertThat(answer.status()).isEqualTo(415);
        assertThat(answer.contentType()).startsWith("application/problem+json");
        assertThat(answer.code()).isEqualTo("UNSUPPORTED_MEDIA_TYPE");
    }

    @Test
    void refusesMultipartWithoutFilePart() {
        String boundary = "b0undary";
        String body = "--" + boundary + "\r\nContent-Disposition: form-data; name=\"mpp\"\r\n\r\n0.5\r\n--"
                + boundary + "--\r\n";
        Answer answer = send(java.net.http.HttpRequest.newBuilder(java.net.URI.create(baseUrl() + "/api/v1/slides"))
                .header("X-API-Key", CLIENT_KEY)
                .header("Content-Type", "multipart/form-data; boundary=" + boundary)
                .POST(java.net.http.HttpRequest.BodyPublishers.ofString(body)).build());

        assertThat(answer.status()).isEqualTo(400);
        assertThat(answer.code()).isEqualTo("VALIDATION_FAILED");
        assertThat(answer.json().path("detail").asString()).contains("'file'");
    }

    @Test
    void answersUrlsRefusedByTheFirewallAsProblem() throws Exception {
        for (String path : List.of("/api/v1//slides", "/api/v1/slides;jsessionid=1", "/api/v1/slides/%2e%2e/x",
                "/api/v1/admin/../slides")) {
            String response = rawExchange("GET " + path + " HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n"
                    + "X-API-Key: " + CLIENT_KEY + "\r\n\r\n", null);

            assertThat(response).as(path).startsWith("HTTP/1.1 400")
                    .contains("Content-Type: application/problem+json").contains("\"code\":\"BAD_REQUEST\"");
        }
    }

    @Test
    void answersQueryParametersThatAreNotUtf8AsProblem() {
        for (String path : List.of("/api/v1/slides?page=%ff%fe", "/api/v1/slides?size=1&x=%c3%28")) {
            Answer answer = get(path, CLIENT_KEY);

            assertThat(answer.status()).as(path + " " + answer.body()).isEqualTo(400);
            assertThat(answer.contentType()).startsWith("application/problem+json");
            assertThat(answer.code()).isEqualTo("BAD_REQUEST");
        }
        long slides = slideRows();
        Answer upload = uploadRaw("filename=x.png&externalId=%ff%fe", uniquePng());

        assertThat(upload.status()).as(upload.body()).isEqualTo(400);
        assertThat(upload.code()).isEqualTo("BAD_REQUEST");
        assertThat(slideRows()).isEqualTo(slides);
        assertThat(filesUnder("tmp")).isEmpty();
    }

    @Test
    void answersRequestsTomcatRefusesAsProblem() throws Exception {
        String longHeader = "X-Filler: " + "a".repeat(9000) + "\r\n";
        Map<String, String> requests = new LinkedHashMap<>();
        requests.put("header over 8 KB", "GET /api/v1/slides HTTP/1.1\r\nHost: localhost\r\n" + longHeader
                + "Connection: close\r\n\r\n");
        requests.put("URL over 8 KB", "GET /api/v1/slides?q=" + "a".repeat(9000)
                + " HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n");
        requests.put("%00 in the path", "GET /api/v1/slides/%00 HTTP/1.1\r\nHost: localhost\r\n"
                + "Connection: close\r\n\r\n");
        requests.put("control character in the path", "GET /api/v1/sl\u0001ides HTTP/1.1\r\nHost: localhost\r\n"
                + "Connection: close\r\n\r\n");
        requests.forEach((what, request) -> {
            String response;
            try {
                response = rawExchange(request, null);
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
            int end = response.indexOf("\r\n\r\n");
            assertThat(end).as(what + ": " + response).isPositive();
            String head = response.substring(0, end);
            String body = response.substring(end + 4);
            int status = Integer.parseInt(head.substring(9, 12));

            assertThat(status).as(what + ": " + response).isBetween(400, 499);
            assertThat(head).as(what).containsIgnoringCase("Content-Type: application/problem+json");
            JsonNode problem = tools.jackson.databind.json.JsonMapper.builder().build().readTree(body);
            assertThat(problem.path("status").asInt()).as(what).isEqualTo(status);
            assertThat(problem.path("code").asString()).as(what).isNotBlank();
            dev.hipt.OpenApiResponseValidator.instance().assertValid("GET", "/tomcat/refused", status,
                    "application/problem+json", body);
        });
    }

    @Test
    void openApiLicenseIsTheRepositoryLicense() throws Exception {
        JsonNode license = get("/v3/api-docs", null).json().path("info").path("license");
        String text = java.nio.file.Files.readString(java.nio.file.Path.of("LICENSE"));

        assertThat(text).contains("Apache License", "Version 2.0, January 2004");
        assertThat(license.path("identifier").asString()).isEqualTo("Apache-2.0");
        assertThat(license.path("name").asString()).contains("Apache");
    }

    @Test
    void clientKeyMayNotUseAdminApi() {
        Answer client = get("/api/v1/admin/models", CLIENT_KEY);

        assertThat(client.status()).isEqualTo(403);
        assertThat(client.contentType()).startsWith("application/problem+json");
        assertThat(client.code()).isEqualTo("FORBIDDEN");
    }

    @Test
    void adminKeyPassesAdminAndClientRules() {
        assertThat(get("/api/v1/admin/no-such-thing", ADMIN_KEY).status())
                .as("authorised, then simply not found").isEqualTo(404);
        assertThat(get("/api/v1/slides", ADMIN_KEY).status()).isEqualTo(200);
    }

    @Test
    void healthAndDocsAreOpenWithoutKey() {
        assertThat(get("/actuator/health/liveness", null).status()).isEqualTo(200);
        Answer readiness = get("/actuator/health/readiness", null);
        assertThat(readiness.status()).as(readiness.body()).isEqualTo(200);
        assertThat(readiness.json().path("status").asString()).isEqualTo("UP");
        // the components are details: shown to callers with a key only (show-details: when-authorized)
        readiness = get("/actuator/health/readiness", CLIENT_KEY);
        assertThat(readiness.json().path("components").has("db")).isTrue();
        assertThat(readiness.json().path("components").path("storage").path("status").asString())
                .isEqualTo("UP");
        assertThat(get("/actuator/prometheus", null).status()).isEqualTo(200);
        assertThat(get("/v3/api-docs", null).status()).isEqualTo(200);
        assertThat(get("/swagger-ui/index.html", null).status()).isEqualTo(200);
    }

    @Test
    void openApiDocumentDescribesSlideEndpointsWithSchemas() {
        JsonNode doc = get("/v3/api-docs", null).json();

        assertThat(doc.path("info").path("title").asString()).isNotBlank();
        assertThat(doc.path("components").path("securitySchemes").path("ApiKey").path("name").asString())
                .isEqualTo("X-API-Key");
        assertThat(doc.path("security").get(0).has("ApiKey")).isTrue();
        JsonNode slides = doc.path("paths").path("/api/v1/slides");
        JsonNode upload = slides.path("post");
        assertThat(upload.path("requestBody").path("content").path("multipart/form-data").path("schema")
                .path("$ref").asString()).endsWith("/SlideUploadForm");
        assertThat(upload.path("requestBody").path("content").has("application/octet-stream")).isTrue();
        assertThat(upload.path("responses").path("202").path("content").path("application/json").path("schema")
                .path("$ref").asString()).endsWith("/SlideUploadResponse");
        for (String status : List.of("413", "422", "429", "401")) {
            assertThat(upload.path("responses").path(status).path("content").path("application/problem+json")
                    .path("schema").path("$ref").asString()).as(status).endsWith("/Problem");
        }
        assertThat(slides.path("get").path("responses").path("200").path("content").path("application/json")
                .path("schema").path("$ref").asString()).endsWith("/SlidePage");
        JsonNode byId = doc.path("paths").path("/api/v1/slides/{id}");
        assertThat(byId.has("get")).isTrue();
        assertThat(byId.has("delete")).isTrue();
        List<String> schemas = new ArrayList<>();
        doc.path("components").path("schemas").propertyNames().forEach(schemas::add);
        assertThat(schemas).contains("SlideView", "SlideUploadResponse", "SlidePage", "SlideUploadForm", "Problem",
                "JobView", "LevelView");
        assertThat(doc.path("components").path("schemas").path("Problem").path("properties").has("code")).isTrue();
    }
}
