package dev.hipt.training;

import dev.hipt.system.ApiException;
import dev.hipt.system.ErrorCodes;
import io.swagger.v3.oas.annotations.media.Content;
import io.swagger.v3.oas.annotations.media.Schema;
import jakarta.servlet.http.HttpServletRequest;
import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.Parameter;
import io.swagger.v3.oas.annotations.responses.ApiResponse;
import io.swagger.v3.oas.annotations.tags.Tag;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.UUID;
import org.apache.commons.fileupload2.core.FileItemInput;
import org.apache.commons.fileupload2.core.FileItemInputIterator;
import org.apache.commons.fileupload2.core.FileUploadException;
import org.apache.commons.fileupload2.jakarta.servlet6.JakartaServletFileUpload;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

/** Slide labels for head training and kNN subtyping (ADMIN). */
@RestController
@RequestMapping("/api/v1/admin/label-sets")
@Tag(name = "label-sets", description = "Slide labels (subtype class, survival months + event) for head training"
        + " and kNN subtyping (ADMIN)")
class LabelSetController {

    /** The largest label set accepted (about 100k rows). */
    static final int MAX_BYTES = 16 * 1024 * 1024;
    private static final int MAX_PARTS = 8;
    private static final int MAX_NAME_BYTES = 1024;

    private final LabelSetService labelSets;

    LabelSetController(LabelSetService labelSets) {
        this.labelSets = labelSets;
    }

    @PostMapping(consumes = MediaType.MULTIPART_FORM_DATA_VALUE, produces = MediaType.APPLICATION_JSON_VALUE)
    @Operation(operationId = "createLabelSet", summary = "Uploads a label set as a CSV (header row, e.g."
            + " externalId,subtype,months,event) or JSON file, keyed by slideId or externalId; every row must name"
            + " an analysed slide, or nothing is stored")
    @ApiResponse(responseCode = "201", description = "The stored label set")
    @ApiResponse(responseCode = "422", description = "A bad row (LABEL_ROW_INVALID, naming row and column), a slide"
            + " not analysed (SLIDE_NOT_ANALYSED) or an unusable set (LABEL_SET_INVALID)")
    @ApiResponse(responseCode = "415", description = "Neither multipart/form-data nor application/json"
            + " (UNSUPPORTED_MEDIA_TYPE)")
    @io.swagger.v3.oas.annotations.parameters.RequestBody(required = true, content = @Content(
            mediaType = MediaType.MULTIPART_FORM_DATA_VALUE, schema = @Schema(implementation = UploadForm.class)))
    ResponseEntity<LabelSet> upload(HttpServletRequest request,
                                    @Parameter(description = "A name for the set") @RequestParam(required = false)
                                    String name) throws IOException {
        // Multipart parsing is off service-wide (slide uploads stream their own), so the parts are read here.
        JakartaServletFileUpload<?, ?> upload = new JakartaServletFileUpload<>();
        upload.setHeaderCharset(StandardCharsets.UTF_8);
        byte[] file = null;
        String setName = name;
        int parts = 0;
        try {
            FileItemInputIterator items = upload.getItemIterator(request);
            while (items.hasNext()) {
                FileItemInput item = items.next();
                if (++parts > MAX_PARTS) {
                    throw ApiException.badRequest("Too many multipart parts");
                }
                try (InputStream in = item.getInputStream()) {
                    if (!item.isFormField() && "file".equals(item.getFieldName())) {
                        if (file != null) {
                            throw ApiException.badRequest("Only one 'file' part is allowed");
                        }
                        file = in.readNBytes(MAX_BYTES + 1);
                        in.transferTo(OutputStream.nullOutputStream());
                    } else if ("name".equals(item.getFieldName()) && setName == null) {
                        setName = new String(in.readNBytes(MAX_NAME_BYTES), StandardCharsets.UTF_8);
                        in.transferTo(OutputStream.nullOutputStream());
                    } else {
                        in.transferTo(OutputStream.nullOutputStream());
                    }
                }
            }
        } catch (FileUploadException e) {
            throw new ApiException(HttpStatus.BAD_REQUEST, ErrorCodes.BAD_REQUEST,
                    "The multipart body cannot be parsed", e);
        }
        if (file == null) {
            throw ApiException.validationFailed("The multipart body needs a part named 'file'");
        }
        return created(labelSets.create(setName, text(file)));
    }

    /** The multipart form of a label-set upload, as the OpenAPI document shows it. */
    @Schema(name = "LabelSetUploadForm")
    record UploadForm(@Schema(description = "CSV with a header row, or JSON", format = "binary",
            requiredMode = Schema.RequiredMode.REQUIRED) String file,
                      @Schema(description = "A name for the set") String name) {
    }

    @PostMapping(consumes = MediaType.APPLICATION_JSON_VALUE, produces = MediaType.APPLICATION_JSON_VALUE)
    @Operation(operationId = "createLabelSetFromJson", summary = "Stores a label set sent as JSON: {\"name\": ...,"
            + " \"rows\": [{\"externalId\"|\"slideId\": ..., \"subtype\": ..., \"months\": ..., \"event\": ...}]}")
    @ApiResponse(responseCode = "201", description = "The stored label set")
    @ApiResponse(responseCode = "400", description = "The body is not one JSON object or array (BAD_REQUEST)")
    @ApiResponse(responseCode = "415", description = "Neither multipart/form-data nor application/json"
            + " (UNSUPPORTED_MEDIA_TYPE)")
    @ApiResponse(responseCode = "422", description = "As for the file upload")
    ResponseEntity<LabelSet> json(@RequestBody byte[] body) {
        String text = text(body);
        return created(labelSets.create(LabelSetParser.jsonName(text), text));
    }

    @GetMapping(path = "/{id}", produces = MediaType.APPLICATION_JSON_VALUE)
    @Operation(operationId = "getLabelSet", summary = "A label set with its rows")
    @ApiResponse(responseCode = "200", description = "The label set")
    @ApiResponse(responseCode = "404", description = "No such label set (NOT_FOUND)")
    LabelSet get(@PathVariable UUID id) {
        return labelSets.find(id);
    }

    @PostMapping(path = "/{id}/activate", produces = MediaType.APPLICATION_JSON_VALUE)
    @Operation(operationId = "activateLabelSet", summary = "Makes the label set the reference of kNN subtyping,"
            + " shown as knn in every slide's predictions")
    @ApiResponse(responseCode = "200", description = "The label set, now the reference")
    @ApiResponse(responseCode = "404", description = "No such label set (NOT_FOUND)")
    @ApiResponse(responseCode = "422", description = "The set has no subtype labels (LABEL_SET_INVALID)")
    LabelSet activate(@PathVariable UUID id) {
        return labelSets.activate(id);
    }

    private static String text(byte[] bytes) {
        if (bytes.length > MAX_BYTES) {
            throw new ApiException(org.springframework.http.HttpStatus.CONTENT_TOO_LARGE,
                    dev.hipt.system.ErrorCodes.PAYLOAD_TOO_LARGE, "a label set is at most " + MAX_BYTES + " bytes");
        }
        return new String(bytes, StandardCharsets.UTF_8);
    }

    private static ResponseEntity<LabelSet> created(LabelSet set) {
        return ResponseEntity.created(URI.create("/api/v1/admin/label-sets/" + set.id())).body(set);
    }
}
