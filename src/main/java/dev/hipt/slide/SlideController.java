package dev.hipt.slide;

import dev.hipt.storage.StorageProperties;
import dev.hipt.system.ApiException;
import dev.hipt.wsi.SlideErrorCode;
import dev.hipt.wsi.SlideException;
import dev.hipt.wsi.Mpp;
import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.Parameter;
import io.swagger.v3.oas.annotations.media.Content;
import io.swagger.v3.oas.annotations.media.Schema;
import io.swagger.v3.oas.annotations.responses.ApiResponse;
import io.swagger.v3.oas.annotations.tags.Tag;
import jakarta.servlet.http.HttpServletRequest;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.util.Locale;
import java.util.Set;
import java.util.UUID;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ProblemDetail;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.DeleteMapping;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

/** {@code /api/v1/slides}: upload (streamed, deduplicated), list, read and delete slides. */
@RestController
@RequestMapping("/api/v1/slides")
@Tag(name = "slides", description = "Upload, list, read and delete whole-slide images")
class SlideController {

    private static final int MAX_PAGE_SIZE = 200;
    /** The length of {@code slides.external_id}. */
    private static final int MAX_EXTERNAL_ID = 255;
    /** Extensions of slide formats made of several files. */
    private static final Set<String> MULTI_FILE = Set.of(".mrxs", ".vms", ".vmu");

    private final SlideService service;
    private final UploadReceiver receiver;

    SlideController(SlideService service, StorageProperties storage, UploadProperties upload) {
        this.service = service;
        this.receiver = new UploadReceiver(storage.tmpDir(), upload.maxSize().toBytes());
    }

    @PostMapping(consumes = {MediaType.MULTIPART_FORM_DATA_VALUE, MediaType.APPLICATION_OCTET_STREAM_VALUE},
            produces = MediaType.APPLICATION_JSON_VALUE)
    @Operation(operationId = "uploadSlide", summary = "Upload a slide and queue its analysis",
            description = "The body is multipart/form-data with a part `file` (and optional `externalId`, `mpp`,"
                    + " `reanalyse`, `force`), or the raw file as application/octet-stream with `?filename=`. It is"
                    + " streamed to storage and never buffered. The same bytes uploaded again return the existing"
                    + " slide and its newest job (200) unless `reanalyse=true` (202 with the new job). A reanalysis"
                    + " reuses stored regions of unchanged level-0 geometry and model version, encodes new ones and"
                    + " drops those no longer in the grid; `force=true` encodes every region again. A slide has at"
                    + " most one queued or running analysis: while it has one, that job is returned (200,"
                    + " `analysis` ALREADY_ACTIVE). An `externalId` is recorded on a slide that has none; another"
                    + " `externalId`, or another `mpp` without `reanalyse=true`, is 409 SLIDE_CONFLICT naming"
                    + " `slideId` and `field`. `applied` lists the fields that changed the existing slide. One file per"
                    + " slide: SVS, NDPI, SCN, BIF, tiled/pyramidal TIFF, or a plain PNG, JPEG or TIFF; multi-file"
                    + " formats (MIRAX .mrxs, Hamamatsu .vms/.vmu) are refused as UNSUPPORTED_FORMAT.",
            requestBody = @io.swagger.v3.oas.annotations.parameters.RequestBody(required = true, content = {
                @Content(mediaType = MediaType.MULTIPART_FORM_DATA_VALUE,
                        schema = @Schema(implementation = SlideUploadForm.class)),
                @Content(mediaType = MediaType.APPLICATION_OCTET_STREAM_VALUE,
                        schema = @Schema(type = "string", format = "binary"))}))
    @ApiResponse(responseCode = "202", description = "Registered; analysis queued. Location names the slide.")
    @ApiResponse(responseCode = "200", description = "The same bytes were uploaded before: the existing slide")
    @ApiResponse(responseCode = "409", description = "The same bytes are registered with another externalId, or"
            + " with another mpp and reanalyse is not true, or another mpp while an analysis is active"
            + " (SLIDE_CONFLICT; properties slideId, field)")
    @ApiResponse(responseCode = "413", description = "Larger than hipt.upload.max-size (PAYLOAD_TOO_LARGE)")
    @ApiResponse(responseCode = "415", description = "Neither multipart/form-data nor application/octet-stream")
    @ApiResponse(responseCode = "422", description = "Not a readable slide: UNSUPPORTED_FORMAT (also for"
            + " multi-file formats), CORRUPT_SLIDE, MPP_UNKNOWN (send `mpp`), SLIDE_TOO_LARGE (hipt.upload.max-pixels)"
            + " or NO_THUMBNAIL_LEVEL (no pyramid level small enough for tissue detection)")
    @ApiResponse(responseCode = "429", description = "Too many analyses queued (QUEUE_FULL); see Retry-After")
    ResponseEntity<SlideUploadResponse> upload(HttpServletRequest request,
            @Parameter(description = "File name of a raw (octet-stream) upload")
            @RequestParam(required = false) String filename,
            @Parameter(description = "The caller's own identifier, e.g. the LIMS accession")
            @RequestParam(required = false) String externalId,
            @Parameter(description = "Microns per pixel (0.01 to 20), required when the file does not say",
                    schema = @Schema(type = "number", format = "double", minimum = "0.01", maximum = "20"))
            @RequestParam(required = false) String mpp,
            @Parameter(description = "Queue a new analysis even when the same bytes were uploaded before; stored"
                    + " regions of unchanged geometry are reused")
            @RequestParam(defaultValue = "false") boolean reanalyse,
            @Parameter(description = "With a reanalysis (implies reanalyse=true): encode every region again instead"
                    + " of reusing stored ones")
            @RequestParam(defaultValue = "false") boolean force) throws IOException {
        // Before anything else touches the body: a declared length over the limit is refused unread.
        receiver.checkDeclaredLength(request);
        UploadReceiver.Parameters query = new UploadReceiver.Parameters(filename, blankToNull(externalId),
                parseMpp(blankToNull(mpp)), reanalyse, force);
        checkExternalId(query.externalId());
        if (filename != null) {
            checkSingleFile(Filenames.sanitise(filename));
        }
        UploadReceiver.Received received = receiver.receive(request, query);
        try {
            checkExternalId(received.externalId());
            checkSingleFile(received.filename());
            SlideService.Registration registration = service.register(received);
            SlideUploadResponse body = new SlideUploadResponse(registration.slide(), registration.job(),
                    registration.analysis(), registration.applied());
            HttpStatus status = registration.newJob() ? HttpStatus.ACCEPTED : HttpStatus.OK;
            return ResponseEntity.status(status)
                    .location(URI.create("/api/v1/slides/" + registration.slide().id()))
                    .body(body);
        } finally {
            Files.deleteIfExists(received.file());
        }
    }

    @GetMapping(produces = MediaType.APPLICATION_JSON_VALUE)
    @Operation(operationId = "listSlides", summary = "List slides, newest first")
    SlidePage list(@Parameter(description = "Zero-based page number") @RequestParam(defaultValue = "0") int page,
                   @Parameter(description = "Page size, 1 to 200") @RequestParam(defaultValue = "20") int size) {
        if (page < 0 || size < 1 || size > MAX_PAGE_SIZE) {
            throw ApiException.validationFailed("page must be >= 0 and size between 1 and " + MAX_PAGE_SIZE);
        }
        return service.page(page, size);
    }

    @GetMapping(path = "/{id}", produces = MediaType.APPLICATION_JSON_VALUE)
    @Operation(operationId = "getSlide", summary = "A slide's metadata and analysis status")
    @ApiResponse(responseCode = "200", description = "The slide")
    @ApiResponse(responseCode = "404", description = "No such slide (NOT_FOUND)")
    SlideView get(@PathVariable UUID id) {
        return service.find(id).orElseThrow(() -> ApiException.notFound("Slide", id));
    }

    @DeleteMapping("/{id}")
    @Operation(operationId = "deleteSlide", summary = "Delete a slide, its file, its jobs and its results",
            description = "A queued or running analysis is cancelled first.")
    @ApiResponse(responseCode = "204", description = "Deleted")
    @ApiResponse(responseCode = "404", description = "No such slide (NOT_FOUND)")
    ResponseEntity<Void> delete(@PathVariable UUID id) throws IOException {
        service.delete(id);
        return ResponseEntity.noContent().build();
    }

    /** 409 SLIDE_CONFLICT as problem+json, with the existing slide and the conflicting request field. */
    @ExceptionHandler(SlideConflictException.class)
    ResponseEntity<ProblemDetail> conflict(SlideConflictException e, HttpServletRequest request) {
        ProblemDetail problem = ProblemDetail.forStatusAndDetail(HttpStatus.CONFLICT, e.getMessage());
        problem.setProperty("code", SlideConflictException.CODE);
        problem.setProperty("slideId", e.slideId());
        problem.setProperty("field", e.field());
        problem.setInstance(URI.create(request.getRequestURI()));
        return ResponseEntity.status(HttpStatus.CONFLICT).body(problem);
    }

    static Double parseMpp(String value) {
        if (value == null) {
            return null;
        }
        double mpp;
        try {
            mpp = Double.parseDouble(value);
        } catch (NumberFormatException e) {
            throw ApiException.validationFailed("mpp must be a number of microns per pixel, e.g. 0.5");
        }
        if (!Mpp.plausible(mpp)) {
            throw ApiException.validationFailed("mpp must be between " + Mpp.MIN_PLAUSIBLE + " and "
                    + Mpp.MAX_PLAUSIBLE + " microns per pixel, e.g. 0.5");
        }
        return mpp;
    }

    /**
     * MIRAX ({@code .mrxs}) and Hamamatsu VMS/VMU slides are an index file beside a folder or set of data files:
     * one upload cannot carry them, and the index alone is not a slide.
     */
    private static void checkSingleFile(String filename) {
        if (MULTI_FILE.contains(Filenames.extension(filename).toLowerCase(Locale.ROOT))) {
            throw new SlideException(SlideErrorCode.UNSUPPORTED_FORMAT, "multi-file formats are not accepted ("
                    + Filenames.extension(filename) + " needs the data files beside it): upload a single-file slide"
                    + " such as SVS, NDPI, SCN, BIF or tiled TIFF, or convert it to pyramidal TIFF first");
        }
    }

    /** Fits the column, and holds no control characters (PostgreSQL cannot store NUL in text at all). */
    private static void checkExternalId(String externalId) {
        if (externalId == null) {
            return;
        }
        if (externalId.length() > MAX_EXTERNAL_ID) {
            throw ApiException.validationFailed("externalId is longer than " + MAX_EXTERNAL_ID + " characters");
        }
        if (externalId.chars().anyMatch(Character::isISOControl)) {
            throw ApiException.validationFailed("externalId may not contain control characters");
        }
    }

    private static String blankToNull(String value) {
        return value == null || value.isBlank() ? null : value.strip();
    }
}
