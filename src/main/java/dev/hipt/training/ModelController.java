package dev.hipt.training;

import dev.hipt.model.CheckpointReader;
import dev.hipt.model.TorchCheckpointWriter;
import dev.hipt.storage.StorageProperties;
import dev.hipt.system.ApiException;
import dev.hipt.system.ErrorCodes;
import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.Parameter;
import io.swagger.v3.oas.annotations.media.Content;
import io.swagger.v3.oas.annotations.media.Schema;
import io.swagger.v3.oas.annotations.responses.ApiResponse;
import io.swagger.v3.oas.annotations.tags.Tag;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.springframework.http.ContentDisposition;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.json.JsonMapper;

/** {@code /api/v1/admin/models}: register, list, download and activate checkpoints (ADMIN). */
@RestController
@RequestMapping("/api/v1/admin/models")
@Tag(name = "models", description = "Model registry: ViT-256, ViT-4K, subtype and survival heads; activation (ADMIN)")
class ModelController {

    private static final int MAX_JSON_BYTES = 64 * 1024;
    private static final JsonMapper JSON = JsonMapper.builder().build();

    private final ModelRegistry registry;
    private final ModelUpload upload;
    private final List<Path> allowedDirs;
    private final Path tmpDir;

    ModelController(ModelRegistry registry, ModelRegistryProperties properties, StorageProperties storage) {
        this.registry = registry;
        this.upload = new ModelUpload(storage.tmpDir(), properties.maxUploadSize().toBytes());
        this.allowedDirs = properties.allowedDirs();
        this.tmpDir = storage.tmpDir();
    }

    /**
     * Registering from a file on the server.
     *
     * @param kind     vit256, vit4k, subtype or survival
     * @param path     absolute path of the checkpoint, under one of {@code hipt.model.registry.allowed-dirs}
     * @param name     a label; default the file name
     * @param classes  subtype heads: class names in logit order
     * @param timeBins survival heads: bin edges in months
     */
    @Schema(description = "Register a checkpoint from a file on the server")
    record PathRegistration(
            @Schema(description = "vit256, vit4k, subtype or survival", requiredMode = Schema.RequiredMode.REQUIRED)
            String kind,
            @Schema(description = "Absolute path under one of hipt.model.registry.allowed-dirs",
                    requiredMode = Schema.RequiredMode.REQUIRED) String path,
            @Schema(description = "A label; default the file name") String name,
            @Schema(description = "Subtype heads: class names in logit order") List<String> classes,
            @Schema(description = "Survival heads: bin edges in months") List<Double> timeBins) {
    }

    /** The multipart form of an upload, for the OpenAPI document. */
    @Schema(description = "A checkpoint upload")
    record UploadForm(
            @Schema(type = "string", format = "binary", requiredMode = Schema.RequiredMode.REQUIRED,
                    description = "The checkpoint: PyTorch .pth/.pt (zip) or .safetensors") String file,
            @Schema(description = "vit256, vit4k, subtype or survival", requiredMode = Schema.RequiredMode.REQUIRED)
            String kind,
            @Schema(description = "A label; default the file name") String name,
            @Schema(description = "Subtype heads: comma-separated class names in logit order, e.g. IDC,ILC")
            String classes,
            @Schema(description = "Survival heads: comma-separated bin edges in months") String timeBins) {
    }

    @PostMapping(consumes = {MediaType.MULTIPART_FORM_DATA_VALUE, MediaType.APPLICATION_OCTET_STREAM_VALUE,
        MediaType.APPLICATION_JSON_VALUE}, produces = MediaType.APPLICATION_JSON_VALUE)
    @Operation(operationId = "registerModel", summary = "Register a checkpoint (ADMIN)",
            description = "Streamed upload: multipart/form-data with a part `file` and the fields `kind` (vit256,"
                    + " vit4k, subtype, survival), `name`, `classes` (subtype: comma-separated, in logit order),"
                    + " `timeBins` (survival: comma-separated months), or the raw file as application/octet-stream"
                    + " with the same as query parameters. Or application/json `{\"kind\", \"path\", ...}` naming a"
                    + " file on the server under hipt.model.registry.allowed-dirs. The file is read through the"
                    + " restricted unpickler (or as safetensors) and its tensors must fit the kind: ViT-256 and"
                    + " ViT-4K state dicts (the official DINO `teacher` layout too), HIPT_LGP_FC heads over 384-wide"
                    + " ViT-256 tokens; a subtype head has as many outputs as `classes`, a survival head 4. The same"
                    + " bytes registered as the same kind again, with the same `classes` and `timeBins`, answer the"
                    + " first registration (200; its name is kept); with other classes or time bins they are refused"
                    + " (409 MODEL_ALREADY_REGISTERED, `modelId` naming the registered model), since a registered"
                    + " model's classes and time bins never change. Registering does not activate.",
            requestBody = @io.swagger.v3.oas.annotations.parameters.RequestBody(required = true, content = {
                @Content(mediaType = MediaType.MULTIPART_FORM_DATA_VALUE,
                        schema = @Schema(implementation = UploadForm.class)),
                @Content(mediaType = MediaType.APPLICATION_OCTET_STREAM_VALUE,
                        schema = @Schema(type = "string", format = "binary")),
                @Content(mediaType = MediaType.APPLICATION_JSON_VALUE,
                        schema = @Schema(implementation = PathRegistration.class))}))
    @ApiResponse(responseCode = "201", description = "Registered; Location names the model")
    @ApiResponse(responseCode = "200", description = "The same bytes were registered as this kind before, with the"
            + " same classes and time bins")
    @ApiResponse(responseCode = "400", description = "A missing or invalid field (VALIDATION_FAILED); a body that"
            + " is not a JSON object of these fields, or an unreadable upload (BAD_REQUEST)")
    @ApiResponse(responseCode = "403", description = "The path is outside hipt.model.registry.allowed-dirs"
            + " (MODEL_PATH_NOT_ALLOWED), or the key is not ADMIN (FORBIDDEN)")
    @ApiResponse(responseCode = "409", description = "The same bytes are registered as this kind with other classes"
            + " or time bins (MODEL_ALREADY_REGISTERED; the problem's modelId names that model)")
    @ApiResponse(responseCode = "413", description = "Larger than hipt.model.registry.max-upload-size"
            + " (PAYLOAD_TOO_LARGE)")
    @ApiResponse(responseCode = "415", description = "Not multipart/form-data, application/octet-stream or JSON"
            + " (UNSUPPORTED_MEDIA_TYPE)")
    @ApiResponse(responseCode = "422", description = "Nothing registered: not a checkpoint or refused by the"
            + " restricted unpickler (MODEL_CHECKPOINT_INVALID), tensors that do not fit the kind"
            + " (MODEL_KIND_MISMATCH), a subtype head whose class count differs from `classes`"
            + " (MODEL_CLASSES_MISMATCH), a path that names no file (MODEL_PATH_NOT_FOUND)")
    ResponseEntity<RegisteredModel> register(HttpServletRequest request,
            @Parameter(description = "Raw uploads: vit256, vit4k, subtype or survival")
            @RequestParam(required = false) String kind,
            @Parameter(description = "Raw uploads: a label") @RequestParam(required = false) String name,
            @Parameter(description = "Raw uploads of subtype heads: comma-separated class names in logit order")
            @RequestParam(required = false) String classes,
            @Parameter(description = "Raw uploads of survival heads: comma-separated bin edges in months")
            @RequestParam(required = false) String timeBins) throws IOException {
        ModelRegistry.Registered registered;
        String contentType = request.getContentType();
        if (contentType != null && MediaType.APPLICATION_JSON.isCompatibleWith(MediaType.parseMediaType(contentType))) {
            registered = registerPath(readJson(request));
        } else {
            ModelUpload.Received received = upload.receive(request,
                    new ModelUpload.Fields(kind, name, classes, timeBins));
            try {
                registered = registry.registerReporting(received.kind(), received.file(), new ModelRegistration(
                        received.name(), "upload", received.classes(), received.timeBins(), Map.of()));
            } finally {
                Files.deleteIfExists(received.file());
            }
        }
        return ResponseEntity.status(registered.created() ? HttpStatus.CREATED : HttpStatus.OK)
                .location(URI.create("/api/v1/admin/models/" + registered.model().id()))
                .body(registered.model());
    }

    @GetMapping(produces = MediaType.APPLICATION_JSON_VALUE)
    @Operation(operationId = "listModels", summary = "Every registered model, newest first (ADMIN)")
    List<RegisteredModel> list() {
        return registry.list();
    }

    @GetMapping(path = "/{id}", produces = MediaType.APPLICATION_JSON_VALUE)
    @Operation(operationId = "getModel", summary = "One registered model (ADMIN)")
    @ApiResponse(responseCode = "200", description = "The model")
    @ApiResponse(responseCode = "404", description = "No such model (NOT_FOUND)")
    RegisteredModel get(@PathVariable UUID id) {
        return registry.find(id).orElseThrow(() -> ApiException.notFound("Model", id));
    }

    @PostMapping(path = "/{id}/activate", produces = MediaType.APPLICATION_JSON_VALUE)
    @Operation(operationId = "activateModel", summary = "Make a model the active one of its kind (ADMIN)",
            description = "Activation is kept in the database: every replica swaps to the new set within"
                    + " hipt.model.registry.poll-interval (2 s), without a restart. It survives restarts: a model"
                    + " configured with hipt.model.* does not displace one activated here.")
    @ApiResponse(responseCode = "200", description = "The model, now active")
    @ApiResponse(responseCode = "404", description = "No such model (NOT_FOUND)")
    RegisteredModel activate(@PathVariable UUID id) {
        return registry.activate(id);
    }

    /*
     * No 'produces', as for the patches download: generated clients ask for files in their own ways.
     */
    @GetMapping(path = "/{id}/checkpoint")
    @Operation(operationId = "downloadModelCheckpoint", summary = "The model's checkpoint as a PyTorch .pth (ADMIN)",
            description = "The registered file when it is a PyTorch checkpoint; a safetensors file is rewritten as a"
                    + " .pth state dict that torch.load reads (also with weights_only=True).")
    @ApiResponse(responseCode = "200", description = "The .pth file",
            content = @Content(mediaType = MediaType.APPLICATION_OCTET_STREAM_VALUE,
                    schema = @Schema(type = "string", format = "binary")))
    @ApiResponse(responseCode = "404", description = "No such model (NOT_FOUND)")
    void checkpoint(@PathVariable UUID id, HttpServletResponse response) throws IOException {
        RegisteredModel model = registry.find(id).orElseThrow(() -> ApiException.notFound("Model", id));
        Path stored = registry.checkpointFile(id);
        Path converted = null;
        try {
            Path file = stored;
            if (!registry.storedAsPytorch(id)) {
                Files.createDirectories(tmpDir);
                converted = tmpDir.resolve("checkpoint-" + UUID.randomUUID() + ".pth");
                TorchCheckpointWriter.write(converted, CheckpointReader.read(stored));
                file = converted;
            }
            response.setContentType(MediaType.APPLICATION_OCTET_STREAM_VALUE);
            response.setHeader(HttpHeaders.CONTENT_DISPOSITION, ContentDisposition.attachment()
                    .filename(model.kind().json() + "-" + model.sha256().substring(0, 12) + ".pth").build()
                    .toString());
            response.setContentLengthLong(Files.size(file));
            try (InputStream in = Files.newInputStream(file)) {
                in.transferTo(response.getOutputStream());
            }
        } finally {
            if (converted != null) {
                Files.deleteIfExists(converted);
            }
        }
    }

    private ModelRegistry.Registered registerPath(PathRegistration body) {
        if (body.kind() == null || body.path() == null || body.path().isBlank()) {
            throw ApiException.validationFailed("A path registration needs 'kind' and 'path'");
        }
        ModelKind kind = ModelKind.fromJson(body.kind());
        // the body's own fields first: a bad value is 400 wherever the path points
        ModelRegistry.checkFields(kind, body.classes(), body.timeBins());
        Path file = allowedFile(body.path());
        String name = body.name() == null || body.name().isBlank() ? file.getFileName().toString() : body.name();
        return registry.registerReporting(kind, file,
                new ModelRegistration(name, "path", body.classes(), body.timeBins(), Map.of()));
    }

    /** The real file {@code location} names, only when it lies under an allowed directory (links resolved). */
    private Path allowedFile(String location) {
        Path requested;
        try {
            requested = Path.of(location);
        } catch (InvalidPathException e) {
            throw ApiException.validationFailed("'path' is not a valid path");
        }
        if (!requested.isAbsolute()) {
            throw ApiException.validationFailed("'path' must be absolute");
        }
        Path normalised = requested.normalize();
        if (allowedDirs.stream().noneMatch(dir -> normalised.startsWith(dir.toAbsolutePath().normalize()))) {
            throw notAllowed();
        }
        Path real;
        try {
            real = normalised.toRealPath();
        } catch (IOException e) {
            throw new ApiException(HttpStatus.UNPROCESSABLE_CONTENT, ErrorCodes.MODEL_PATH_NOT_FOUND,
                    "No such file under the allowed directories");
        }
        boolean inside = allowedDirs.stream().anyMatch(dir -> {
            try {
                return real.startsWith(dir.toRealPath());
            } catch (IOException e) {
                return false;
            }
        });
        if (!inside) {
            throw notAllowed();
        }
        if (!Files.isRegularFile(real) || !Files.isReadable(real)) {
            throw new ApiException(HttpStatus.UNPROCESSABLE_CONTENT, ErrorCodes.MODEL_PATH_NOT_FOUND,
                    "The path names no readable file");
        }
        return real;
    }

    private static ApiException notAllowed() {
        return new ApiException(HttpStatus.FORBIDDEN, ErrorCodes.MODEL_PATH_NOT_ALLOWED,
                "The path is outside the directories hipt.model.registry.allowed-dirs allows");
    }

    private static PathRegistration readJson(HttpServletRequest request) throws IOException {
        byte[] bytes;
        try (InputStream in = request.getInputStream()) {
            bytes = in.readNBytes(MAX_JSON_BYTES + 1);
        }
        if (bytes.length > MAX_JSON_BYTES) {
            throw ApiException.badRequest("The JSON body is larger than " + MAX_JSON_BYTES + " bytes");
        }
        PathRegistration body;
        try {
            body = JSON.readValue(bytes, PathRegistration.class);
        } catch (JacksonException e) {
            body = null;
        }
        if (body == null) {
            // JSON 'null' binds to no object at all; an empty body, malformed JSON or a wrong type do not bind
            throw ApiException.badRequest("The JSON body cannot be read: expected an object {\"kind\", \"path\","
                    + " \"name\", \"classes\", \"timeBins\"}");
        }
        return body;
    }
}
