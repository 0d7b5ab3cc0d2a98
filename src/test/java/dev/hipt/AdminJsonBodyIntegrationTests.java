package dev.hipt;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Hostile JSON bodies on every admin endpoint that reads one, over real HTTP: each is refused with 400
 * problem+json and a stable code, never a 500 nor a silently changed value. A body Jackson cannot bind to the
 * endpoint's type (not JSON, empty, not an object, a field of the wrong type, a whole number out of its type's range
 * or with a fraction) is {@code BAD_REQUEST}; a bound body with a missing field or a value out of its range is
 * {@code VALIDATION_FAILED}. The label-set endpoint takes a label-set document, whose rows keep their own 422
 * {@code LABEL_SET_INVALID}; only a body that is not a JSON document is 400 there. Every answer is also checked
 * against the OpenAPI document, so a 415 must be documented where it can occur.
 */
class AdminJsonBodyIntegrationTests extends ServiceIntegrationTestSupport {

    private static final JsonMapper JSON = JsonMapper.builder().build();

    private static final String MODELS = "/api/v1/admin/models";
    private static final String TRAINING_JOBS = "/api/v1/admin/training-jobs";
    private static final String PRETRAINING_JOBS = "/api/v1/admin/pretraining-jobs";
    private static final String LABEL_SETS = "/api/v1/admin/label-sets";
    private static final String PREDICTIONS = "/api/v1/admin/predictions";

    private static final String BAD_REQUEST = "BAD_REQUEST";
    private static final String VALIDATION_FAILED = "VALIDATION_FAILED";

    /** Bodies that are no JSON object at all: the same answer on every endpoint that binds a JSON object. */
    private static final List<String[]> NOT_AN_OBJECT = List.of(
            new String[] {"null", "null"},
            new String[] {"an array", "[]"},
            new String[] {"a string", "\"text\""},
            new String[] {"a number", "42"},
            new String[] {"a boolean", "true"},
            new String[] {"malformed JSON", "{\"kind\": "},
            new String[] {"trailing garbage", "{} {}"},
            new String[] {"an empty body", ""});

    static Stream<Arguments> hostileBodies() {
        List<Arguments> cases = new ArrayList<>();
        for (String path : List.of(MODELS, TRAINING_JOBS, PRETRAINING_JOBS, PREDICTIONS)) {
            NOT_AN_OBJECT.forEach(c -> cases.add(Arguments.of(path, c[0], c[1], 400, BAD_REQUEST)));
        }
        String path = "\"path\": \"/models/head.pth\"";
        cases.addAll(List.of(
                models("no fields", "{}", VALIDATION_FAILED),
                models("no path", "{\"kind\": \"subtype\"}", VALIDATION_FAILED),
                models("an unknown kind", "{\"kind\": \"monster\", " + path + "}", VALIDATION_FAILED),
                models("kind as an object", "{\"kind\": {\"a\": 1}, " + path + "}", BAD_REQUEST),
                models("classes as a string", "{\"kind\": \"subtype\", " + path + ", \"classes\": \"IDC\"}",
                        BAD_REQUEST),
                models("a null class name", "{\"kind\": \"subtype\", " + path + ", \"classes\": [\"IDC\", null]}",
                        VALIDATION_FAILED),
                models("a blank class name", "{\"kind\": \"subtype\", " + path + ", \"classes\": [\"IDC\", \" \"]}",
                        VALIDATION_FAILED),
                models("classes for a backbone", "{\"kind\": \"vit256\", " + path + ", \"classes\": [\"A\"]}",
                        VALIDATION_FAILED),
                models("a time bin as text", "{\"kind\": \"survival\", " + path + ", \"timeBins\": [\"soon\"]}",
                        BAD_REQUEST),
                models("a null time bin", "{\"kind\": \"survival\", " + path + ", \"timeBins\": [0, null, 20]}",
                        VALIDATION_FAILED),
                models("a negative time bin", "{\"kind\": \"survival\", " + path + ", \"timeBins\": [-1, 10, 20]}",
                        VALIDATION_FAILED),
                models("an infinite time bin", "{\"kind\": \"survival\", " + path
                        + ", \"timeBins\": [0, 10, 20, 40, 1e309]}", VALIDATION_FAILED),
                models("name as an array", "{\"kind\": \"vit256\", " + path + ", \"name\": [\"a\"]}", BAD_REQUEST),
                models("a huge classes array", "{\"kind\": \"subtype\", " + path + ", \"classes\": "
                        + strings(100_000) + "}", BAD_REQUEST)));
        String job = "\"task\": \"subtype\", \"labelSetId\": \"" + UUID.randomUUID() + "\"";
        cases.addAll(List.of(
                training("no fields", "{}", VALIDATION_FAILED),
                training("no epochs", "{" + job + "}", VALIDATION_FAILED),
                training("an unknown task", "{\"task\": \"staging\", \"labelSetId\": \"" + UUID.randomUUID()
                        + "\", \"epochs\": 1}", BAD_REQUEST),
                training("a label set id that is no UUID", "{\"task\": \"subtype\", \"labelSetId\": \"set-1\","
                        + " \"epochs\": 1}", BAD_REQUEST),
                training("negative epochs", "{" + job + ", \"epochs\": -1}", VALIDATION_FAILED),
                training("epochs 1e309", "{" + job + ", \"epochs\": 1e309}", BAD_REQUEST),
                training("epochs with a fraction", "{" + job + ", \"epochs\": 1.5}", BAD_REQUEST),
                training("epochs as text", "{" + job + ", \"epochs\": \"ten\"}", BAD_REQUEST),
                training("epochs as an array", "{" + job + ", \"epochs\": " + numbers(100_000) + "}", BAD_REQUEST),
                training("learningRate 1e309", "{" + job + ", \"epochs\": 1, \"learningRate\": 1e309}",
                        VALIDATION_FAILED),
                training("negative accumulationSteps", "{" + job + ", \"epochs\": 1, \"accumulationSteps\": -32}",
                        VALIDATION_FAILED),
                training("seed beyond a long", "{" + job + ", \"epochs\": 1, \"seed\": 1e30}", BAD_REQUEST),
                training("freezeVit4k as text", "{" + job + ", \"epochs\": 1, \"freezeVit4k\": \"maybe\"}",
                        BAD_REQUEST)));
        cases.addAll(List.of(
                pretraining("no fields", "{}", VALIDATION_FAILED),
                pretraining("negative iterations", "{\"stage\": 1, \"iterations\": -5}", VALIDATION_FAILED),
                pretraining("iterations 1e309", "{\"stage\": 1, \"iterations\": 1e309}", BAD_REQUEST),
                pretraining("iterations with a fraction", "{\"stage\": 1, \"iterations\": 2.5}", BAD_REQUEST),
                pretraining("stage as an object", "{\"stage\": {}, \"iterations\": 5}", BAD_REQUEST),
                pretraining("minTissueFraction 1e309", "{\"stage\": 1, \"iterations\": 5, \"minTissueFraction\":"
                        + " 1e309}", VALIDATION_FAILED),
                pretraining("an lr of 1e309", "{\"stage\": 1, \"iterations\": 5, \"hyperParameters\": {\"lr\":"
                        + " 1e309}}", VALIDATION_FAILED),
                pretraining("hyperParameters as a number", "{\"stage\": 1, \"iterations\": 5, \"hyperParameters\":"
                        + " 5}", BAD_REQUEST),
                pretraining("a huge slideIds array", "{\"stage\": 1, \"iterations\": 5, \"slideIds\": "
                        + uuids(10_001) + "}", VALIDATION_FAILED)));
        cases.addAll(List.of(
                predictions("no fields", "{}", VALIDATION_FAILED),
                predictions("no slide ids", "{\"slideIds\": []}", VALIDATION_FAILED),
                predictions("slideIds as a string", "{\"slideIds\": \"x\"}", BAD_REQUEST),
                predictions("a null slide id", "{\"slideIds\": [null]}", VALIDATION_FAILED),
                predictions("a slide id that is no UUID", "{\"slideIds\": [\"slide-1\"]}", BAD_REQUEST),
                predictions("101 slide ids", "{\"slideIds\": " + uuids(101) + "}", VALIDATION_FAILED),
                predictions("a huge slideIds array", "{\"slideIds\": " + uuids(100_000) + "}", VALIDATION_FAILED)));
        for (String[] c : NOT_AN_OBJECT) {
            if (!c[1].equals("[]")) {
                // an array is a label set's rows; an empty one is a label set without labels (422)
                cases.add(Arguments.of(LABEL_SETS, c[0], c[1], 400, BAD_REQUEST));
            }
        }
        cases.add(Arguments.of(LABEL_SETS, "no rows", "{}", 422, "LABEL_SET_INVALID"));
        cases.add(Arguments.of(LABEL_SETS, "rows as a number", "{\"rows\": 5}", 422, "LABEL_SET_INVALID"));
        return cases.stream();
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("hostileBodies")
    void refusesAHostileJsonBodyWithProblemJsonAndAStableCode(String path, String what, String body, int status,
                                                              String code) {
        ResponseEntity<String> answer = admin.post().uri(path).contentType(MediaType.APPLICATION_JSON).body(body)
                .retrieve().onStatus(s -> true, (request, response) -> { }).toEntity(String.class);

        assertThat(answer.getStatusCode().value()).as("%s %s: %s", path, what, answer.getBody()).isEqualTo(status);
        assertThat(answer.getHeaders().getContentType()).as(answer.getBody())
                .isEqualTo(MediaType.APPLICATION_PROBLEM_JSON);
        assertThat(JSON.readTree(answer.getBody()).path("code").asString()).as(answer.getBody()).isEqualTo(code);
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {MODELS, TRAINING_JOBS, PRETRAINING_JOBS, LABEL_SETS, PREDICTIONS})
    void refusesABodyThatIsNotJsonWith415ProblemJson(String path) {
        ResponseEntity<String> answer = admin.post().uri(path).contentType(MediaType.TEXT_PLAIN).body("{}")
                .retrieve().onStatus(s -> true, (request, response) -> { }).toEntity(String.class);

        assertThat(answer.getStatusCode().value()).as(answer.getBody()).isEqualTo(415);
        assertThat(answer.getHeaders().getContentType()).isEqualTo(MediaType.APPLICATION_PROBLEM_JSON);
        JsonNode problem = JSON.readTree(answer.getBody());
        assertThat(problem.path("code").asString()).isEqualTo("UNSUPPORTED_MEDIA_TYPE");
        assertThat(problem.path("status").asInt()).isEqualTo(415);
    }

    private static Arguments models(String what, String body, String code) {
        return Arguments.of(MODELS, what, body, 400, code);
    }

    private static Arguments training(String what, String body, String code) {
        return Arguments.of(TRAINING_JOBS, what, body, 400, code);
    }

    private static Arguments pretraining(String what, String body, String code) {
        return Arguments.of(PRETRAINING_JOBS, what, body, 400, code);
    }

    private static Arguments predictions(String what, String body, String code) {
        return Arguments.of(PREDICTIONS, what, body, 400, code);
    }

    private static String strings(int n) {
        return IntStream.range(0, n).mapToObj(i -> "\"c" + i + "\"").collect(Collectors.joining(",", "[", "]"));
    }

    private static String numbers(int n) {
        return IntStream.range(0, n).mapToObj(Integer::toString).collect(Collectors.joining(",", "[", "]"));
    }

    private static String uuids(int n) {
        return IntStream.range(0, n).mapToObj(i -> "\"" + new UUID(7, i) + "\"")
                .collect(Collectors.joining(",", "[", "]"));
    }
}
