package dev.hipt.viewer;

import dev.hipt.results.AnalysedSlide;
import dev.hipt.results.RegionResult;
import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.Parameter;
import io.swagger.v3.oas.annotations.headers.Header;
import io.swagger.v3.oas.annotations.media.Content;
import io.swagger.v3.oas.annotations.media.Schema;
import io.swagger.v3.oas.annotations.responses.ApiResponse;
import io.swagger.v3.oas.annotations.tags.Tag;
import java.io.IOException;
import java.time.Duration;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalDouble;
import java.util.UUID;
import org.springframework.http.CacheControl;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.RequestHeader;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RestController;

/**
 * Deep Zoom ({@code .dzi}) descriptors and tiles of a slide and of its heatmap layers, as OpenSeadragon reads them:
 * levels counted from 0 (1 x 1 pixel) to the full resolution, tiles {@code {level}/{col}_{row}}. Every answer has an
 * ETag (from the slide file's SHA-256, the analysis for layers, and the tile) and answers 304 to a matching
 * {@code If-None-Match}. Slide tiles never change and are cached by clients for a day; layer tiles and descriptors
 * are revalidated, since a new analysis changes them.
 *
 * <p>The tile mappings declare no {@code produces}, as {@code TissueQcController} explains: images are served
 * whatever the request's Accept says; errors are problem+json.
 */
@RestController
@RequestMapping("/api/v1/slides/{id}")
@Tag(name = "viewer")
class DeepZoomController {

    private static final String XML = MediaType.APPLICATION_XML_VALUE;
    private static final CacheControl TILES = CacheControl.maxAge(Duration.ofDays(1)).cachePrivate();
    private static final CacheControl REVALIDATE = CacheControl.noCache().cachePrivate();

    private final DeepZoomTiles tiles;

    DeepZoomController(DeepZoomTiles tiles) {
        this.tiles = tiles;
    }

    @GetMapping("/dzi")
    @Operation(operationId = "getSlideDzi", summary = "The slide's Deep Zoom descriptor (DZI XML)",
            description = "Tile size, overlap, format (jpeg) and level-0 size; the tiles are at"
                    + " `dzi_files/{level}/{col}_{row}.jpeg` next to it.")
    @ApiResponse(responseCode = "200", description = "The descriptor",
            content = @Content(mediaType = XML, schema = @Schema(type = "string")),
            headers = @Header(name = HttpHeaders.ETAG, description = "Version of the descriptor",
                    schema = @Schema(type = "string")))
    @ApiResponse(responseCode = "304", description = "Not modified (If-None-Match matched)", content = @Content)
    @ApiResponse(responseCode = "404", description = "No such slide (NOT_FOUND)")
    @ApiResponse(responseCode = "422", description = "The stored slide cannot be read (CORRUPT_SLIDE)")
    @ApiResponse(responseCode = "503", description = "Every tile read is busy (TILES_BUSY), see Retry-After")
    ResponseEntity<byte[]> dzi(@PathVariable UUID id,
            @RequestHeader(name = HttpHeaders.IF_NONE_MATCH, required = false) @Parameter(hidden = true)
            String ifNoneMatch) throws IOException {
        DeepZoomTiles.Answer answer = tiles.descriptor(id);
        return answer(answer.etag(), ifNoneMatch, REVALIDATE, MediaType.APPLICATION_XML, answer);
    }

    @GetMapping("/dzi_files/{level}/{col}_{row}.jpeg") // no 'produces': see the class comment
    @Operation(operationId = "getSlideTile", summary = "One Deep Zoom tile of the slide (JPEG)",
            description = "Read from the slide level that best fits the Deep Zoom level and scaled down to it;"
                    + " tiles are `TileSize` pixels plus `Overlap` on every side that has a neighbour.")
    @ApiResponse(responseCode = "200", description = "The tile",
            content = @Content(mediaType = MediaType.IMAGE_JPEG_VALUE,
                    schema = @Schema(type = "string", format = "binary")),
            headers = @Header(name = HttpHeaders.ETAG, description = "Version of the tile",
                    schema = @Schema(type = "string")))
    @ApiResponse(responseCode = "304", description = "Not modified (If-None-Match matched)", content = @Content)
    @ApiResponse(responseCode = "400", description = "level, col or row is not a number (VALIDATION_FAILED)")
    @ApiResponse(responseCode = "404", description = "No such slide (NOT_FOUND) or no such tile (TILE_NOT_FOUND)")
    @ApiResponse(responseCode = "422", description = "The stored slide cannot be read (CORRUPT_SLIDE)")
    @ApiResponse(responseCode = "503", description = "Every tile read is busy (TILES_BUSY), see Retry-After")
    ResponseEntity<byte[]> tile(@PathVariable UUID id, @PathVariable int level, @PathVariable long col,
            @PathVariable long row,
            @RequestHeader(name = HttpHeaders.IF_NONE_MATCH, required = false) @Parameter(hidden = true)
            String ifNoneMatch) throws IOException {
        String etag = tiles.slideTileEtag(id, level, col, row);
        if (matches(ifNoneMatch, etag)) {
            return notModified(etag, TILES);
        }
        DeepZoomTiles.Answer answer = tiles.slideTile(id, level, col, row);
        return answer(answer.etag(), null, TILES, MediaType.IMAGE_JPEG, answer);
    }

    @GetMapping(path = "/overlays", produces = MediaType.APPLICATION_JSON_VALUE)
    @Operation(operationId = "getSlideOverlays", summary = "Heatmap layers and region grid of the slide's analysis",
            description = "The layers the viewer can draw over the slide, each a Deep Zoom image with the slide's"
                    + " geometry at `overlays/{layer}/dzi`, and the regions of the newest analysis with their scores.")
    @ApiResponse(responseCode = "200", description = "The layers and regions")
    @ApiResponse(responseCode = "404", description = "No such slide (NOT_FOUND) or no analysis results"
            + " (RESULTS_NOT_FOUND)")
    ViewerOverlays overlays(@PathVariable UUID id) {
        AnalysedSlide analysis = tiles.regions(id);
        List<ViewerLayer> available = tiles.layers(analysis);
        List<ViewerOverlays.Layer> layers = available.stream()
                .map(l -> new ViewerOverlays.Layer(l.name(), l.title(), l.description(), 0, l.drawn() == null ? 1
                        : 100)).toList();
        List<ViewerOverlays.RegionScores> grid = analysis.regions().stream().map(r -> scores(available, r)).toList();
        return new ViewerOverlays(id, analysis.modelVersion(), layers, grid);
    }

    private static ViewerOverlays.RegionScores scores(List<ViewerLayer> layers, RegionResult region) {
        Map<String, Double> scores = new LinkedHashMap<>();
        for (ViewerLayer layer : layers) {
            if (layer.score() == null) {
                continue;
            }
            OptionalDouble score = layer.score().apply(region);
            if (score.isPresent()) {
                scores.put(layer.name(), score.getAsDouble());
            }
        }
        return new ViewerOverlays.RegionScores(region.index(), region.x(), region.y(), region.width(),
                region.height(), scores);
    }

    @GetMapping("/overlays/{layer}/dzi")
    @Operation(operationId = "getOverlayDzi", summary = "A heatmap layer's Deep Zoom descriptor (DZI XML, PNG tiles)",
            description = "The slide's geometry; tiles at `dzi_files/{level}/{col}_{row}.png` next to it.")
    @ApiResponse(responseCode = "200", description = "The descriptor",
            content = @Content(mediaType = XML, schema = @Schema(type = "string")),
            headers = @Header(name = HttpHeaders.ETAG, description = "Version of the descriptor",
                    schema = @Schema(type = "string")))
    @ApiResponse(responseCode = "304", description = "Not modified (If-None-Match matched)", content = @Content)
    @ApiResponse(responseCode = "404", description = "No such slide (NOT_FOUND), no analysis results"
            + " (RESULTS_NOT_FOUND) or no such layer (LAYER_NOT_FOUND)")
    @ApiResponse(responseCode = "503", description = "Every tile read is busy (TILES_BUSY), see Retry-After")
    ResponseEntity<byte[]> overlayDzi(@PathVariable UUID id, @PathVariable String layer,
            @RequestHeader(name = HttpHeaders.IF_NONE_MATCH, required = false) @Parameter(hidden = true)
            String ifNoneMatch) throws IOException {
        DeepZoomTiles.Answer answer = tiles.overlayDescriptor(id, layer);
        return answer(answer.etag(), ifNoneMatch, REVALIDATE, MediaType.APPLICATION_XML, answer);
    }

    @GetMapping("/overlays/{layer}/dzi_files/{level}/{col}_{row}.png") // no 'produces': see the class comment
    @Operation(operationId = "getOverlayTile", summary = "One Deep Zoom tile of a heatmap layer (PNG with alpha)",
            description = "Each region in the jet colour map of its score (blue low, red high), or the ViT-4K attention"
                    + " drawn by the heatmap feature; opaque inside the analysed regions, transparent outside. Draw"
                    + " it over the slide's tile with the opacity you like.")
    @ApiResponse(responseCode = "200", description = "The tile",
            content = @Content(mediaType = MediaType.IMAGE_PNG_VALUE,
                    schema = @Schema(type = "string", format = "binary")),
            headers = @Header(name = HttpHeaders.ETAG, description = "Version of the tile",
                    schema = @Schema(type = "string")))
    @ApiResponse(responseCode = "304", description = "Not modified (If-None-Match matched)", content = @Content)
    @ApiResponse(responseCode = "400", description = "level, col or row is not a number (VALIDATION_FAILED)")
    @ApiResponse(responseCode = "404", description = "No such slide (NOT_FOUND), no analysis results"
            + " (RESULTS_NOT_FOUND), no such layer (LAYER_NOT_FOUND) or no such tile (TILE_NOT_FOUND)")
    @ApiResponse(responseCode = "503", description = "Every tile read is busy (TILES_BUSY), see Retry-After")
    ResponseEntity<byte[]> overlayTile(@PathVariable UUID id, @PathVariable String layer, @PathVariable int level,
            @PathVariable long col, @PathVariable long row,
            @RequestHeader(name = HttpHeaders.IF_NONE_MATCH, required = false) @Parameter(hidden = true)
            String ifNoneMatch) throws IOException {
        String etag = tiles.overlayTileEtag(id, layer, level, col, row);
        if (matches(ifNoneMatch, etag)) {
            return notModified(etag, REVALIDATE);
        }
        DeepZoomTiles.Answer answer = tiles.overlayTile(id, layer, level, col, row);
        return answer(answer.etag(), null, REVALIDATE, MediaType.IMAGE_PNG, answer);
    }

    private static ResponseEntity<byte[]> answer(String etag, String ifNoneMatch, CacheControl cache,
            MediaType type, DeepZoomTiles.Answer answer) {
        if (matches(ifNoneMatch, etag)) {
            return notModified(etag, cache);
        }
        return ResponseEntity.ok().eTag(etag).cacheControl(cache).contentType(type).body(answer.body());
    }

    private static ResponseEntity<byte[]> notModified(String etag, CacheControl cache) {
        return ResponseEntity.status(HttpStatus.NOT_MODIFIED).eTag(etag).cacheControl(cache).build();
    }

    /** RFC 9110 If-None-Match: a list of entity tags (weak ones compare weakly) or {@code *}. */
    static boolean matches(String ifNoneMatch, String etag) {
        if (ifNoneMatch == null || ifNoneMatch.isBlank()) {
            return false;
        }
        return Arrays.stream(ifNoneMatch.split(",")).map(String::trim)
                .map(tag -> tag.startsWith("W/") ? tag.substring(2) : tag)
                .anyMatch(tag -> tag.equals("*") || tag.equals(etag));
    }
}
