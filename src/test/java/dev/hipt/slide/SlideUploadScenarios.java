package dev.hipt.slide;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.hipt.job.AnalysisRequest;
import dev.hipt.wsi.RepeatedTileTiff;
import dev.hipt.wsi.WholeSlideImages;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import tools.jackson.databind.JsonNode;

/** The upload flow as a LIMS sees it; run on H2 and on PostgreSQL by the concrete subclasses. */
@ExtendWith(OutputCaptureExtension.class)
abstract class SlideUploadScenarios extends SlideIntegrationTestSupport {

    private static final Path SLIDES = Path.of(System.getProperty("hipt.shared.dir", "../shared"), "fixtures",
            "slides");

    @Test
    void registersRealSvsQueuesItsAnalysisAndDeletesItWithItsBlob(CapturedOutput log) throws Exception {
        Path svs = SLIDES.resolve("small_HE.svs");
        assumeTrue(Files.isRegularFile(svs), svs + " absent: skipping the real-slide upload");
        byte[] bytes = Files.readAllBytes(svs);

        Answer answer = uploadMultipart("small_HE.svs", bytes, Map.of("externalId", "ACC-0001"));

        assertThat(answer.status()).as(answer.body()).isEqualTo(202);
        JsonNode slide = answer.json().path("slide");
        String id = slide.path("id").asString();
        assertThat(answer.headers().firstValue("Location")).hasValue("/api/v1/slides/" + id);
        assertThat(slide.path("sha256").asString()).isEqualTo(sha256(bytes));
        assertThat(slide.path("sizeBytes").asLong()).isEqualTo(bytes.length);
        assertThat(slide.path("filename").asString()).isEqualTo("small_HE.svs");
        assertThat(slide.path("externalId").asString()).isEqualTo("ACC-0001");
        assertThat(slide.path("width").asLong()).isEqualTo(2220);
        assertThat(slide.path("height").asLong()).isEqualTo(2967);
        assertThat(slide.path("levels")).hasSize(1);
        assertThat(slide.path("vendor").asString()).isEqualTo("aperio");
        assertThat(slide.path("mppX").asDouble()).isCloseTo(0.499, org.assertj.core.data.Offset.offset(1e-3));
        assertThat(slide.path("mppSource").asString()).isEqualTo("file");
        assertThat(slide.path("status").asString()).isEqualTo("QUEUED");
        String jobId = answer.json().path("job").path("id").asString();
        assertThat(jobs.submitted()).contains(new AnalysisRequest(UUID.fromString(id),
                "slides/" + sha256(bytes) + "/small_HE.svs", null));
        assertThat(answer.body()).as("PHI canaries of the slide file").doesNotContain("CMU-1").doesNotContain("User");
        Path blob = dataDirectory().resolve("blobs/slides/" + sha256(bytes) + "/small_HE.svs");
        assertThat(blob).exists().hasSize(bytes.length);
        assertThat(filesUnder("tmp")).isEmpty();

        Answer read = get("/api/v1/slides/" + id, CLIENT_KEY);
        assertThat(read.status()).isEqualTo(200);
        assertThat(read.json().path("latestJob").path("id").asString()).isEqualTo(jobId);

        Answer deleted = delete("/api/v1/slides/" + id);

        assertThat(deleted.status()).isEqualTo(204);
        assertThat(blob).doesNotExist();
        assertThat(jobs.cancelled()).contains(UUID.fromString(jobId));
        assertThat(results.deleted()).contains(UUID.fromString(id));
        Answer gone = get("/api/v1/slides/" + id, CLIENT_KEY);
        assertThat(gone.status()).isEqualTo(404);
        assertThat(gone.contentType()).startsWith("application/problem+json");
        assertThat(gone.code()).isEqualTo("NOT_FOUND");
        assertThat(delete("/api/v1/slides/" + id).status()).isEqualTo(404);
        assertThat(log.getAll()).as("neither PHI fields nor the file name reach the log")
                .contains("Registered slide " + id)
                .doesNotContain("CMU-1").doesNotContain("small_HE").doesNotContain("ACC-0001");
    }

    @Test
    void rejectsZeroByteUploadAndKeepsNothing() {
        long rows = slideRows();
        List<Path> blobs = filesUnder("blobs");
        int submitted = jobs.submitted().size();

        Answer answer = uploadMultipart("empty.svs", new byte[0], Map.of());

        assertThat(answer.status()).isEqualTo(422);
        assertThat(answer.contentType()).startsWith("application/problem+json");
        assertThat(answer.code()).isEqualTo("UNSUPPORTED_FORMAT");
        assertNothingKept(rows, blobs, submitted);
    }

    @Test
    void refusesMultiFileFormatsAsUnsupportedSayingWhy() {
        long rows = slideRows();
        List<Path> blobs = filesUnder("blobs");
        int submitted = jobs.submitted().size();
        byte[] miraxIndex = "[GENERAL]\nSLIDE_VERSION=01.03\n".getBytes(StandardCharsets.UTF_8);

        for (Answer answer : List.of(uploadMultipart("CMU-1.mrxs", miraxIndex, Map.of()),
                uploadMultipart("scan.MRXS", uniquePng(), Map.of("mpp", "0.5")),
                uploadRaw("filename=scan.vms&mpp=0.5", uniquePng()))) {
            assertThat(answer.status()).as(answer.body()).isEqualTo(422);
            assertThat(answer.code()).isEqualTo("UNSUPPORTED_FORMAT");
            assertThat(answer.json().path("detail").asString()).contains("multi-file");
        }
        assertNothingKept(rows, blobs, submitted);
    }

    @Test
    void rejectsTextFileNamedSvs() {
        long rows = slideRows();
        List<Path> blobs = filesUnder("blobs");
        int submitted = jobs.submitted().size();

        Answer answer = uploadMultipart("report.svs",
                "Patient: Jane Doe\nThis is not a slide.\n".getBytes(StandardCharsets.UTF_8), Map.of());

        assertThat(answer.status()).isEqualTo(422);
        assertThat(answer.code()).isEqualTo("UNSUPPORTED_FORMAT");
        assertThat(answer.body()).doesNotContain("Jane Doe");
        assertNothingKept(rows, blobs, submitted);
    }

    @Test
    void rejectsUnopenableTiffWithItsCode() throws Exception {
        Path tiff = SLIDES.resolve("unopenable.tiff");
        assumeTrue(Files.isRegularFile(tiff), tiff + " absent: skipping");
        long rows = slideRows();
        List<Path> blobs = filesUnder("blobs");
        int submitted = jobs.submitted().size();

        Answer answer = uploadMultipart("unopenable.tiff", Files.readAllBytes(tiff), Map.of("mpp", "0.5"));

        assertThat(answer.status()).as(answer.body()).isEqualTo(422);
        assertThat(answer.code()).isIn("UNSUPPORTED_FORMAT", "CORRUPT_SLIDE");
        assertNothingKept(rows, blobs, submitted);
    }

    @Test
    void refusesSmallTiffClaimingAnEnormousImageBeforeAnyJobReadsIt() throws Exception {
        assumeTrue(WholeSlideImages.openSlideAvailable(), "libopenslide0 not installed: skipping the tiled TIFF");
        long rows = slideRows();
        List<Path> blobs = filesUnder("blobs");
        int submitted = jobs.submitted().size();
        // about 530 KB claiming 10^6 x 10^6 pixels: one deflated tile that every tile entry points at
        Path tiff = RepeatedTileTiff.write(Files.createTempFile("huge", ".tiff"), 1_000_000, 1_000_000, 4096,
                0xC86496);
        try {
            Answer answer = uploadMultipart("huge.tiff", Files.readAllBytes(tiff), Map.of("mpp", "0.5"));

            assertThat(answer.status()).as(answer.body()).isEqualTo(422);
            assertThat(answer.contentType()).startsWith("application/problem+json");
            assertThat(answer.code()).isEqualTo("SLIDE_TOO_LARGE");
            assertNothingKept(rows, blobs, submitted);
        } finally {
            Files.delete(tiff);
        }
    }

    @Test
    void rejectsUndecodableSvsAsCorrupt() throws Exception {
        Path svs = SLIDES.resolve("unreadable.svs");
        assumeTrue(Files.isRegularFile(svs), svs + " absent: skipping");
        long rows = slideRows();
        List<Path> blobs = filesUnder("blobs");
        int submitted = jobs.submitted().size();

        Answer answer = uploadMultipart("unreadable.svs", Files.readAllBytes(svs), Map.of("mpp", "0.5"));

        assertThat(answer.status()).as(answer.body()).isEqualTo(422);
        assertThat(answer.code()).isEqualTo("CORRUPT_SLIDE");
        assertNothingKept(rows, blobs, submitted);
    }

    @Test
    void asksForMppWhenPngDoesNotSayAndAcceptsItWhenGiven() {
        byte[] png = uniquePng();
        long rows = slideRows();
        List<Path> blobs = filesUnder("blobs");
        int submitted = jobs.submitted().size();

        Answer refused = uploadMultipart("photo.png", png, Map.of());

        assertThat(refused.status()).isEqualTo(422);
        assertThat(refused.code()).isEqualTo("MPP_UNKNOWN");
        assertThat(refused.json().path("detail").asString()).contains("mpp");
        assertNothingKept(rows, blobs, submitted);

        Answer accepted = uploadMultipart("photo.png", png, Map.of("mpp", "0.5"));

        assertThat(accepted.status()).as(accepted.body()).isEqualTo(202);
        JsonNode slide = accepted.json().path("slide");
        assertThat(slide.path("mppX").asDouble()).isEqualTo(0.5);
        assertThat(slide.path("mppSource").asString()).isEqualTo("request");
        assertThat(slide.path("width").asLong()).isEqualTo(96);
        assertThat(jobs.submitted()).last().extracting(AnalysisRequest::mppOverride).isEqualTo(0.5);
        assertThat(slideRows()).isEqualTo(rows + 1);
    }

    @Test
    void refusesDeclaredLengthOverLimitBeforeReadingTheBody() throws Exception {
        // Only the headers are sent: an answer proves the server did not wait for the body.
        String response = rawExchange("POST /api/v1/slides?filename=huge.svs HTTP/1.1\r\nHost: localhost\r\n"
                + "X-API-Key: " + CLIENT_KEY + "\r\nContent-Type: application/octet-stream\r\n"
                + "Content-Length: " + (MAX_BYTES + 1) + "\r\n\r\n", null);

        assertThat(response).startsWith("HTTP/1.1 413");
        assertThat(response).contains("application/problem+json").contains("\"code\":\"PAYLOAD_TOO_LARGE\"");
        assertThat(filesUnder("tmp")).isEmpty();
    }

    @Test
    void refusesStreamedUploadOverLimitAndRemovesItsTemporaryFile() throws Exception {
        long rows = slideRows();
        // Chunked, so no length is declared; one chunk more than the limit, and no final chunk: the answer must
        // come while the upload is still open.
        byte[] chunk = new byte[64 * 1024];
        StringBuilder unused = new StringBuilder();
        java.io.ByteArrayOutputStream body = new java.io.ByteArrayOutputStream();
        for (long sent = 0; sent <= MAX_BYTES; sent += chunk.length) {
            body.writeBytes((Integer.toHexString(chunk.length) + "\r\n").getBytes(StandardCharsets.ISO_8859_1));
            body.writeBytes(chunk);
            body.writeBytes("\r\n".getBytes(StandardCharsets.ISO_8859_1));
        }
        String response = rawExchange("POST /api/v1/slides?filename=endless.svs HTTP/1.1\r\nHost: localhost\r\n"
                + "X-API-Key: " + CLIENT_KEY + "\r\nContent-Type: application/octet-stream\r\n"
                + "Transfer-Encoding: chunked\r\n\r\n" + unused, body.toByteArray());

        assertThat(response).startsWith("HTTP/1.1 413");
        assertThat(response).contains("\"code\":\"PAYLOAD_TOO_LARGE\"");
        assertThat(filesUnder("tmp")).isEmpty();
        assertThat(slideRows()).isEqualTo(rows);
    }

    @Test
    void returnsTheExistingSlideWhenTheSameBytesComeAgain() {
        byte[] png = uniquePng();
        Answer first = uploadMultipart("a.png", png, Map.of("mpp", "0.5"));
        assertThat(first.status()).isEqualTo(202);
        UUID id = UUID.fromString(first.json().path("slide").path("id").asString());
        List<Path> blobs = filesUnder("blobs");

        Answer second = uploadMultipart("b.png", png, Map.of("mpp", "0.5"));

        assertThat(second.status()).isEqualTo(200);
        assertThat(second.json().path("slide").path("id").asString()).isEqualTo(id.toString());
        assertThat(second.json().path("job").path("id").asString())
                .isEqualTo(first.json().path("job").path("id").asString());
        assertThat(jobs.jobsForSlide(id)).isEqualTo(1);
        assertThat(filesUnder("blobs")).isEqualTo(blobs);
        assertThat(filesUnder("tmp")).isEmpty();
    }

    @Test
    void reanalyseQueuesANewJobForTheSameSlide() {
        byte[] png = uniquePng();
        Answer first = uploadMultipart("a.png", png, Map.of("mpp", "0.5"));
        UUID id = UUID.fromString(first.json().path("slide").path("id").asString());
        jobs.succeed(UUID.fromString(first.json().path("job").path("id").asString()));
        long rows = slideRows();

        Answer again = uploadRaw("filename=a.png&reanalyse=true", png);

        assertThat(again.status()).isEqualTo(202);
        assertThat(again.json().path("slide").path("id").asString()).isEqualTo(id.toString());
        assertThat(again.json().path("job").path("id").asString())
                .isNotEqualTo(first.json().path("job").path("id").asString());
        assertThat(jobs.jobsForSlide(id)).isEqualTo(2);
        assertThat(jobs.submitted()).last().extracting(AnalysisRequest::mppOverride)
                .as("the mpp given with the first upload still applies").isEqualTo(0.5);
        assertThat(again.json().path("analysis").asString()).isEqualTo("REANALYSIS_QUEUED");
        assertThat(jobs.submitted()).last().extracting(AnalysisRequest::recomputeAll).isEqualTo(false);
        assertThat(slideRows()).isEqualTo(rows);
    }

    @Test
    void forceQueuesAReanalysisThatRecomputesEveryRegion() {
        byte[] png = uniquePng();
        Answer first = uploadMultipart("a.png", png, Map.of("mpp", "0.5"));
        jobs.succeed(UUID.fromString(first.json().path("job").path("id").asString()));

        Answer forced = uploadMultipart("a.png", png, Map.of("force", "true"));

        assertThat(forced.status()).as(forced.body()).isEqualTo(202);
        assertThat(forced.json().path("analysis").asString()).isEqualTo("RECOMPUTE_QUEUED");
        assertThat(forced.json().path("job").path("regions").path("recomputeAll").asBoolean()).isTrue();
        assertThat(jobs.submitted()).last().extracting(AnalysisRequest::recomputeAll).isEqualTo(true);
    }

    @Test
    void repeatUploadWithAnotherExternalIdIsConflictNamingSlideAndField() {
        byte[] png = uniquePng();
        Answer first = uploadRaw("filename=a.png&mpp=0.5&externalId=LIMS-1", png);
        String id = first.json().path("slide").path("id").asString();
        int submitted = jobs.submitted().size();

        Answer again = uploadRaw("filename=a.png&mpp=0.5&externalId=LIMS-2&reanalyse=true", png);

        assertThat(again.status()).as(again.body()).isEqualTo(409);
        assertThat(again.contentType()).startsWith("application/problem+json");
        assertThat(again.code()).isEqualTo("SLIDE_CONFLICT");
        assertThat(again.json().path("slideId").asString()).isEqualTo(id);
        assertThat(again.json().path("field").asString()).isEqualTo("externalId");
        assertThat(again.json().path("detail").asString()).doesNotContain("LIMS-1", "LIMS-2");
        assertThat(jobs.submitted()).hasSize(submitted);
        assertThat(get("/api/v1/slides/" + id, CLIENT_KEY).json().path("externalId").asString()).isEqualTo("LIMS-1");
        assertThat(filesUnder("tmp")).isEmpty();
    }

    @Test
    void repeatUploadRecordsTheExternalIdOfASlideThatHasNoneAndSaysSo() {
        byte[] png = uniquePng();
        String id = uploadRaw("filename=a.png&mpp=0.5", png).json().path("slide").path("id").asString();

        Answer again = uploadMultipart("a.png", png, Map.of("externalId", "LIMS-7"));
        Answer same = uploadMultipart("a.png", png, Map.of("externalId", "LIMS-7"));

        assertThat(again.status()).as(again.body()).isEqualTo(200);
        assertThat(again.json().path("analysis").asString()).isEqualTo("DEDUPLICATED");
        assertThat(again.json().path("applied").values()).extracting(JsonNode::asString)
                .containsExactly("externalId");
        assertThat(again.json().path("slide").path("externalId").asString()).isEqualTo("LIMS-7");
        assertThat(get("/api/v1/slides/" + id, CLIENT_KEY).json().path("externalId").asString()).isEqualTo("LIMS-7");
        assertThat(same.status()).isEqualTo(200);
        assertThat(same.json().path("applied").values()).isEmpty();
    }

    @Test
    void repeatUploadWithAnotherMppWithoutReanalyseIsConflictAndChangesNothing() {
        byte[] png = uniquePng();
        String id = uploadRaw("filename=a.png&mpp=0.5", png).json().path("slide").path("id").asString();
        int submitted = jobs.submitted().size();

        Answer again = uploadRaw("filename=a.png&mpp=0.25", png);

        assertThat(again.status()).as(again.body()).isEqualTo(409);
        assertThat(again.code()).isEqualTo("SLIDE_CONFLICT");
        assertThat(again.json().path("slideId").asString()).isEqualTo(id);
        assertThat(again.json().path("field").asString()).isEqualTo("mpp");
        assertThat(again.json().path("detail").asString()).contains("reanalyse=true");
        assertThat(get("/api/v1/slides/" + id, CLIENT_KEY).json().path("mppX").asDouble()).isEqualTo(0.5);
        assertThat(jobs.submitted()).hasSize(submitted);
        assertThat(uploadRaw("filename=a.png&mpp=0.5", png).status()).as("the same mpp is no conflict")
                .isEqualTo(200);
    }

    @Test
    void reanalyseWithAnotherMppAppliesItAnalysesWithItAndSaysSo() {
        byte[] png = uniquePng();
        Answer first = uploadRaw("filename=a.png&mpp=0.5", png);
        String id = first.json().path("slide").path("id").asString();
        jobs.succeed(UUID.fromString(first.json().path("job").path("id").asString()));

        Answer again = uploadRaw("filename=a.png&mpp=0.25&reanalyse=true", png);

        assertThat(again.status()).as(again.body()).isEqualTo(202);
        assertThat(again.json().path("applied").values()).extracting(JsonNode::asString).containsExactly("mpp");
        assertThat(again.json().path("analysis").asString()).isEqualTo("REANALYSIS_QUEUED");
        assertThat(again.json().path("slide").path("mppX").asDouble()).isEqualTo(0.25);
        assertThat(jobs.submitted()).last().extracting(AnalysisRequest::mppOverride).isEqualTo(0.25);
        assertThat(get("/api/v1/slides/" + id, CLIENT_KEY).json().path("mppY").asDouble()).isEqualTo(0.25);
    }

    @Test
    void reanalyseWithAnotherMppWhileAnAnalysisIsActiveIsConflictAndChangesNothing() {
        byte[] png = uniquePng();
        Answer first = uploadRaw("filename=a.png&mpp=0.5", png);
        String id = first.json().path("slide").path("id").asString();
        int submitted = jobs.submitted().size();

        Answer again = uploadRaw("filename=a.png&mpp=0.25&reanalyse=true&externalId=LIMS-9", png);
        Answer same = uploadRaw("filename=a.png&reanalyse=true", png);

        assertThat(again.status()).as(again.body()).isEqualTo(409);
        assertThat(again.json().path("field").asString()).isEqualTo("mpp");
        assertThat(again.json().path("detail").asString()).contains(first.json().path("job").path("id").asString());
        JsonNode slide = get("/api/v1/slides/" + id, CLIENT_KEY).json();
        assertThat(slide.path("mppX").asDouble()).isEqualTo(0.5);
        assertThat(slide.path("externalId").isNull() || slide.path("externalId").isMissingNode())
                .as("nothing half-written: %s", slide).isTrue();
        assertThat(same.status()).as(same.body()).isEqualTo(200);
        assertThat(same.json().path("analysis").asString()).isEqualTo("ALREADY_ACTIVE");
        assertThat(same.json().path("job").path("id").asString())
                .isEqualTo(first.json().path("job").path("id").asString());
        assertThat(jobs.submitted()).hasSize(submitted);
    }

    @Test
    void multipartReanalyseFieldReadsBooleansAsTheQueryParameterDoes() {
        byte[] png = uniquePng();
        Answer first = uploadMultipart("a.png", png, Map.of("mpp", "0.5"));
        UUID id = UUID.fromString(first.json().path("slide").path("id").asString());
        jobs.succeed(UUID.fromString(first.json().path("job").path("id").asString()));

        Answer again = uploadMultipart("a.png", png, Map.of("reanalyse", "1"));
        Answer unclear = uploadMultipart("a.png", png, Map.of("reanalyse", "maybe"));

        assertThat(again.status()).as(again.body()).isEqualTo(202);
        assertThat(jobs.jobsForSlide(id)).isEqualTo(2);
        assertThat(unclear.status()).as(unclear.body()).isEqualTo(400);
        assertThat(unclear.code()).isEqualTo("VALIDATION_FAILED");
        assertThat(uploadRaw("filename=a.png&reanalyse=maybe", png).code()).isEqualTo("VALIDATION_FAILED");
        assertThat(filesUnder("tmp")).isEmpty();
    }

    @Test
    void acceptsRawOctetStreamUploadAndSanitisesItsName() {
        Answer answer = uploadRaw("filename=..%2F..%2Fetc%2Fmy%20slide%C3%A9.png&mpp=0.25&externalId=LIMS-9",
                uniquePng());

        assertThat(answer.status()).as(answer.body()).isEqualTo(202);
        JsonNode slide = answer.json().path("slide");
        assertThat(slide.path("filename").asString()).isEqualTo("my_slidee.png");
        assertThat(slide.path("externalId").asString()).isEqualTo("LIMS-9");
        assertThat(slide.path("mppY").asDouble()).isEqualTo(0.25);
        assertThat(dataDirectory().resolve("blobs/slides/" + slide.path("sha256").asString() + "/my_slidee.png"))
                .exists();
    }

    @Test
    void refusesExternalIdWithControlCharactersAsValidationFailure() {
        long rows = slideRows();
        List<Path> blobs = filesUnder("blobs");
        int submitted = jobs.submitted().size();

        // PostgreSQL cannot store NUL in text: it must be refused as bad input, never reach the database as a 500.
        Answer multipart = uploadMultipart("nul.png", uniquePng(), Map.of("mpp", "0.5", "externalId", "ACC\u00001"));
        Answer raw = uploadRaw("filename=nul.png&mpp=0.5&externalId=ACC%001", uniquePng());

        assertThat(multipart.status()).as(multipart.body()).isEqualTo(400);
        assertThat(multipart.contentType()).startsWith("application/problem+json");
        assertThat(multipart.code()).isEqualTo("VALIDATION_FAILED");
        assertThat(raw.status()).as(raw.body()).isEqualTo(400);
        assertThat(raw.code()).isEqualTo("VALIDATION_FAILED");
        assertNothingKept(rows, blobs, submitted);
    }

    @Test
    void refusesMppOutsideTheMicroscopeRangeInBothForms() {
        long rows = slideRows();
        List<Path> blobs = filesUnder("blobs");
        int submitted = jobs.submitted().size();

        // 1e-7 made the job die with NegativeArraySizeException, 1e-300 a grid of "0 x 0 regions"
        for (String mpp : List.of("1e-7", "1e-300", "0.009", "20.5", "1e300")) {
            Answer multipart = uploadMultipart("tiny.png", uniquePng(), Map.of("mpp", mpp));
            Answer raw = uploadRaw("filename=tiny.png&mpp=" + mpp, uniquePng());

            assertThat(multipart.status()).as(mpp + ": " + multipart.body()).isEqualTo(400);
            assertThat(multipart.code()).isEqualTo("VALIDATION_FAILED");
            assertThat(multipart.json().path("detail").asString()).contains("0.01", "20");
            assertThat(raw.status()).as(mpp + ": " + raw.body()).isEqualTo(400);
            assertThat(raw.code()).isEqualTo("VALIDATION_FAILED");
        }
        assertNothingKept(rows, blobs, submitted);
    }

    @Test
    void rawUploadWithoutFilenameIsRefused() {
        Answer answer = uploadRaw("mpp=0.5", uniquePng());

        assertThat(answer.status()).isEqualTo(400);
        assertThat(answer.code()).isEqualTo("VALIDATION_FAILED");
    }

    @Test
    void answersQueueFullWithRetryAfterAndKeepsNothing() {
        long rows = slideRows();
        List<Path> blobs = filesUnder("blobs");
        jobs.queueFull(true);
        try {
            Answer answer = uploadMultipart("busy.png", uniquePng(), Map.of("mpp", "0.5"));

            assertThat(answer.status()).isEqualTo(429);
            assertThat(answer.code()).isEqualTo("QUEUE_FULL");
            assertThat(answer.headers().firstValue("Retry-After")).hasValue("42");
        } finally {
            jobs.queueFull(false);
        }
        assertThat(slideRows()).isEqualTo(rows);
        assertThat(filesUnder("blobs")).isEqualTo(blobs);
        assertThat(filesUnder("tmp")).isEmpty();
    }

    @Test
    void listsSlidesNewestFirstInPages() {
        Answer older = uploadMultipart("older.png", uniquePng(), Map.of("mpp", "0.5"));
        Answer newer = uploadMultipart("newer.png", uniquePng(), Map.of("mpp", "0.5"));
        assertThat(older.status()).isEqualTo(202);
        assertThat(newer.status()).isEqualTo(202);

        Answer page = get("/api/v1/slides?page=0&size=1", CLIENT_KEY);

        assertThat(page.status()).isEqualTo(200);
        assertThat(page.json().path("items")).hasSize(1);
        assertThat(page.json().path("items").get(0).path("id").asString())
                .isEqualTo(newer.json().path("slide").path("id").asString());
        assertThat(page.json().path("totalItems").asLong()).isEqualTo(slideRows());
        assertThat(page.json().path("totalPages").asLong()).isEqualTo(slideRows());
        assertThat(get("/api/v1/slides?size=0", CLIENT_KEY).code()).isEqualTo("VALIDATION_FAILED");
    }

    @Test
    void answersBadIdsAndUnknownSlidesWithProblems() {
        Answer unknown = get("/api/v1/slides/" + UUID.randomUUID(), CLIENT_KEY);
        assertThat(unknown.status()).isEqualTo(404);
        assertThat(unknown.code()).isEqualTo("NOT_FOUND");

        Answer malformed = get("/api/v1/slides/not-a-uuid", CLIENT_KEY);
        assertThat(malformed.status()).isEqualTo(400);
        assertThat(malformed.contentType()).startsWith("application/problem+json");
        assertThat(malformed.code()).isEqualTo("VALIDATION_FAILED");
    }

    private void assertNothingKept(long rows, List<Path> blobs, int submitted) {
        assertThat(slideRows()).isEqualTo(rows);
        assertThat(filesUnder("blobs")).isEqualTo(blobs);
        assertThat(filesUnder("tmp")).isEmpty();
        assertThat(jobs.submitted()).hasSize(submitted);
    }

    private static String sha256(byte[] bytes) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
    }
}
