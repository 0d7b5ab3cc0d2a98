package dev.hipt;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hipt.wsi.SlideErrorCode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Every error code the service can send (a problem's {@code code}, a job's {@code error.code}) is in the README,
 * and the README names no code the service never sends. The codes are the {@link SlideErrorCode} values and every
 * {@code static final String NAME = "UPPER_CASE"} constant of the main sources (ErrorCodes, ResultsService,
 * the job package's codes).
 */
class ErrorCodeDocumentationTests {

    private static final Pattern CONSTANT = Pattern.compile("static final String \\w+ = \"([A-Z][A-Z0-9_]+)\";");
    private static final Pattern BACKTICKED = Pattern.compile("`([A-Z][A-Z0-9]*_[A-Z0-9_]+|[A-Z]{5,})`");

    private static final Set<String> SENT = new TreeSet<>();
    private static String readme;

    @BeforeAll
    static void read() throws IOException {
        try (Stream<Path> sources = Files.walk(Path.of("src/main/java"))) {
            for (Path source : sources.filter(p -> p.toString().endsWith(".java")).toList()) {
                Matcher m = CONSTANT.matcher(Files.readString(source, StandardCharsets.UTF_8));
                while (m.find()) {
                    SENT.add(m.group(1));
                }
            }
        }
        Arrays.stream(SlideErrorCode.values()).map(Enum::name).forEach(SENT::add);
        readme = Files.readString(Path.of("README.md"), StandardCharsets.UTF_8);
    }

    @Test
    void readmeNamesEveryCodeTheServiceSends() {
        assertThat(SENT).as("codes found in the sources").contains("BAD_REQUEST", "RESULTS_NOT_FOUND",
                "UNSUPPORTED_FORMAT", "ANALYSIS_FAILED");
        assertThat(SENT).allSatisfy(code -> assertThat(readme).as("README.md names `%s`", code)
                .contains("`" + code + "`"));
    }

    @Test
    void readmeNamesNoCodeTheServiceNeverSends() {
        String errors = readme.substring(readme.indexOf("| code | status | when |"),
                readme.indexOf("## Configuration"));
        Set<String> named = new TreeSet<>();
        Matcher m = BACKTICKED.matcher(errors);
        while (m.find()) {
            named.add(m.group(1));
        }
        assertThat(named).isNotEmpty().isSubsetOf(SENT);
    }
}
