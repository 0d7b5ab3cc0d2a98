package dev.hipt.export;

import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.media.Content;
import io.swagger.v3.oas.annotations.media.Schema;
import io.swagger.v3.oas.annotations.responses.ApiResponse;
import io.swagger.v3.oas.annotations.tags.Tag;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.UUID;
import org.springframework.http.ContentDisposition;
import org.springframework.http.HttpHeaders;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.servlet.mvc.method.annotation.StreamingResponseBody;

/**
 * Exports of a slide's newest analysis for QuPath and for TRIDENT/CLAM code. Like the other binary downloads, the
 * mappings declare no {@code produces}: the document is served whatever the {@code Accept}; errors are problem+json.
 */
@RestController
@Tag(name = "exports")
class ExportController {

    static final String GEO_JSON = "application/geo+json";
    static final String HDF5 = "application/x-hdf5";

    private final RegionsGeoJson geoJson;
    private final FeaturesH5 h5;

    ExportController(RegionsGeoJson geoJson, FeaturesH5 h5) {
        this.geoJson = geoJson;
        this.h5 = h5;
    }

    @GetMapping("/api/v1/slides/{id}/regions.geojson")
    @Operation(operationId = "getRegionsGeoJson", summary = "The analysed regions and tissue as QuPath GeoJSON",
            description = "A GeoJSON FeatureCollection QuPath imports (File > Import objects, or drag and drop):"
                    + " one `tile` object per analysed region (a closed level-0 polygon; `id` a UUID; `isLocked`;"
                    + " `measurements`: region index, tissue fraction, attention mass, the region's class"
                    + " probabilities and survival risk when the slide heads that analysed it are loaded; a"
                    + " `classification` {name, color [r, g, b]} with the region's most probable class), and the"
                    + " tissue outlines as `annotation` objects classified `Tissue`. Coordinates are level-0 pixels.")
    @ApiResponse(responseCode = "200", description = "The FeatureCollection",
            content = @Content(mediaType = GEO_JSON, schema = @Schema(type = "object")))
    @ApiResponse(responseCode = "404", description = "Slide not analysed (RESULTS_NOT_FOUND) or no such slide")
    @ApiResponse(responseCode = "422", description = "The stored slide cannot be read (CORRUPT_SLIDE, ...)")
    ResponseEntity<Map<String, Object>> regions(@PathVariable UUID id) throws IOException {
        return ResponseEntity.ok().contentType(MediaType.parseMediaType(GEO_JSON))
                .header(HttpHeaders.CONTENT_DISPOSITION,
                        ContentDisposition.attachment().filename(id + "-regions.geojson").build().toString())
                .body(geoJson.of(id));
    }

    @GetMapping("/api/v1/slides/{id}/features.h5")
    @Operation(operationId = "getFeaturesH5", summary = "The region features in TRIDENT/CLAM's HDF5 layout",
            description = "HDF5 with `features` (M x 192 float32: each region's ViT-4K CLS token), `cls256`"
                    + " (M x 256 x 384 float32: its ViT-256 CLS tokens, row-major over the 16 x 16 patches) and"
                    + " `coords` (M x 2 int64: level-0 x, y of each region's top-left), regions in the order of"
                    + " /embeddings. As TRIDENT writes them, `coords` carries the attributes `patch_size` (4096, at"
                    + " the target magnification), `patch_size_level0`, `level0_magnification`,"
                    + " `target_magnification` (20), `overlap` (0), `name`, `level0_width`, `level0_height`;"
                    + " `features` carries `name` and `encoder`.")
    @ApiResponse(responseCode = "200", description = "The HDF5 file",
            content = @Content(mediaType = HDF5, schema = @Schema(type = "string", format = "binary")))
    @ApiResponse(responseCode = "404", description = "Slide not analysed (RESULTS_NOT_FOUND), or a region was"
            + " stored without its cls256 grid (PATCHES_NOT_AVAILABLE)")
    @ApiResponse(responseCode = "422", description = "The stored slide cannot be read (CORRUPT_SLIDE, ...)")
    ResponseEntity<StreamingResponseBody> features(@PathVariable UUID id) throws IOException {
        // written completely before the answer starts, so an error is still a problem+json answer; the file is
        // deleted when the body has been sent or the client went away meanwhile (the write then fails)
        Path file = h5.write(id);
        long size;
        try {
            size = Files.size(file);
        } catch (IOException | RuntimeException e) {
            Files.deleteIfExists(file);
            throw e;
        }
        StreamingResponseBody body = out -> {
            try (InputStream in = Files.newInputStream(file)) {
                in.transferTo(out);
            } finally {
                Files.deleteIfExists(file);
            }
        };
        return ResponseEntity.ok().contentType(MediaType.parseMediaType(HDF5)).contentLength(size)
                .header(HttpHeaders.CONTENT_DISPOSITION,
                        ContentDisposition.attachment().filename(id + "-features.h5").build().toString())
                .body(body);
    }
}
