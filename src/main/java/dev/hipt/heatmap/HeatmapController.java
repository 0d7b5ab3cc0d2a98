package dev.hipt.heatmap;

import dev.hipt.slide.SlideImages;
import dev.hipt.system.ApiException;
import dev.hipt.wsi.RegionReader;
import dev.hipt.wsi.RgbImage;
import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.Parameter;
import io.swagger.v3.oas.annotations.media.Content;
import io.swagger.v3.oas.annotations.media.Schema;
import io.swagger.v3.oas.annotations.responses.ApiResponse;
import io.swagger.v3.oas.annotations.tags.Tag;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.util.Locale;
import java.util.UUID;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.http.ContentDisposition;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

/**
 * Attention heatmaps as PNG: one region as HIPT's figures draw it, and a whole slide with a layer stitched from its
 * regions at their level-0 places. Like the tissue QC images, the mappings declare no {@code produces}: the PNG is
 * served whatever the request's {@code Accept} says; errors are problem+json.
 */
@RestController
@Tag(name = "heatmaps")
class HeatmapController {

    static final int MIN_SIZE = 256;
    static final int MAX_SIZE = 4096;
    private static final String PNG = MediaType.IMAGE_PNG_VALUE;

    private final RegionAttentionService attention;
    private final SlideOverlays overlays;
    private final SlideImages images;
    private final RegionReader reader;

    HeatmapController(RegionAttentionService attention, SlideOverlays overlays, SlideImages images,
                      ObjectProvider<RegionReader> reader) {
        this.attention = attention;
        this.overlays = overlays;
        this.images = images;
        this.reader = reader.getIfAvailable(RegionReader::new);
    }

    @GetMapping("/api/v1/slides/{id}/regions/{index}/attention.png")
    @Operation(operationId = "getRegionAttention", summary = "HIPT attention heatmap of one region",
            description = "The region (index as in /embeddings) read at the model's magnification, scaled to `size`"
                    + " px, blended at alpha 0.5 with the percentile map of one attention head as HIPT's figures"
                    + " are (coolwarm by default), with a legend (colour bar 0 to 100 percentile, scale bar)."
                    + " `level=4k`: the ViT-4K last block's CLS attention over the region's 16 x 16 patches;"
                    + " `256`: the ViT-256 last block's CLS attention over each patch's 16 x 16 cells;"
                    + " `factorized`: the mean of the two (ViT-256 head `head`, ViT-4K head `head4k`). Percentiles"
                    + " are HIPT's rank normalisation (per patch for ViT-256, per region for ViT-4K). The maps are"
                    + " computed from the region's pixels on the first request (one model pass, or four with"
                    + " hipt.heatmap.offsets) and stored.")
    @ApiResponse(responseCode = "200", description = "The heatmap",
            content = @Content(mediaType = PNG, schema = @Schema(type = "string", format = "binary")))
    @ApiResponse(responseCode = "400", description = "level, head, head4k, size or cmap invalid"
            + " (VALIDATION_FAILED)")
    @ApiResponse(responseCode = "404", description = "Slide not analysed (RESULTS_NOT_FOUND) or no such region"
            + " (REGION_NOT_FOUND)")
    @ApiResponse(responseCode = "409", description = "The loaded models did not analyse this slide (MODEL_CHANGED)")
    @ApiResponse(responseCode = "422", description = "The stored slide cannot be read (CORRUPT_SLIDE, ...)")
    @ApiResponse(responseCode = "503", description = "No models configured (MODEL_NOT_CONFIGURED)")
    ResponseEntity<byte[]> regionAttention(@PathVariable UUID id, @PathVariable int index,
            @Parameter(description = "4k, 256 or factorized", schema = @Schema(allowableValues = {"4k", "256",
                    "factorized"}, defaultValue = "4k"))
            @RequestParam(defaultValue = "4k") String level,
            @Parameter(description = "Attention head, 0 to 5 (the ViT-256 head for factorized)")
            @RequestParam(defaultValue = "0") int head,
            @Parameter(description = "ViT-4K head of a factorized map, 0 to 5; default: head")
            @RequestParam(required = false) Integer head4k,
            @Parameter(description = "Side of the heatmap in pixels, 256 to 4096", schema = @Schema(type = "integer",
                    format = "int32", minimum = "256", maximum = "4096", defaultValue = "1024"))
            @RequestParam(defaultValue = "1024") int size,
            @Parameter(description = "coolwarm (HIPT's default) or jet (HIPT's brightened jet)",
                    schema = @Schema(allowableValues = {"coolwarm", "jet"}, defaultValue = "coolwarm"))
            @RequestParam(defaultValue = "coolwarm") String cmap) throws IOException {
        String lvl = level.trim().toLowerCase(Locale.ROOT);
        if (!lvl.equals("4k") && !lvl.equals("256") && !lvl.equals("factorized")) {
            throw ApiException.validationFailed("level must be 4k, 256 or factorized, was '" + level + "'");
        }
        int h4k = head4k == null ? head : head4k;
        if (head < 0 || head > 5 || h4k < 0 || h4k > 5) {
            throw ApiException.validationFailed("head and head4k must be between 0 and 5");
        }
        checkSize(size);
        ColorMap colors = OverlayLayer.colorMap(cmap);

        RegionAttentionService.RegionView view = attention.region(id, index);
        RegionMaps maps = view.maps();
        RgbImage pixels;
        double micronsPerPixel;
        try (SlideImages.OpenedSlideImage opened = images.open(id)) {
            pixels = reader.read(opened.image(), opened.mpp(), view.region().x(), view.region().y());
            micronsPerPixel = view.region().width() * opened.mpp().x() / size;
        }
        BufferedImage he = HeatmapImages.scaled(HeatmapImages.toImage(pixels), size, size);
        BufferedImage layer = new BufferedImage(size, size, BufferedImage.TYPE_INT_ARGB);
        int sidePx = maps.grid256() * 16;
        for (int y = 0; y < size; y++) {
            double v = (y + 0.5) / size;
            for (int x = 0; x < size; x++) {
                double u = (x + 0.5) / size;
                double p = switch (lvl) {
                    case "4k" -> maps.at4k(h4k, u, v);
                    case "256" -> maps.at256(head, u, v);
                    default -> factorized(maps, head, h4k, u, v, sidePx);
                };
                layer.setRGB(x, y, 0xff000000 | colors.rgb(p / 100));
            }
        }
        String title = switch (lvl) {
            case "4k" -> "ViT-4K attention, head " + h4k;
            case "256" -> "ViT-256 attention, head " + head;
            default -> "Factorized: ViT-256 head " + head + ", ViT-4K head " + h4k;
        } + " (percentile), region " + index;
        BufferedImage figure = HeatmapImages.withLegend(HeatmapImages.blend(he, layer, HeatmapImages.ALPHA), title,
                colors, "0", "100", micronsPerPixel);
        return png(figure, id + "-region-" + index + "-attention-" + lvl + ".png");
    }

    /**
     * HIPT's hierarchical map: the coverage-weighted mean of the two percentile maps, each weighted by the share of
     * its passes that cover the pixel (ViT-4K: 4 passes, ViT-256: 2), so 50/50 where all passes overlap.
     */
    static double factorized(RegionMaps maps, int head256, int head4k, double u, double v, int sidePx) {
        double w4 = 1;
        double w256 = 1;
        if (maps.offsets()) {
            double at = Math.min(u, v) * sidePx;
            int c4 = 0;
            int c256 = 0;
            for (int k = 0; k < RegionAttentionService.OFFSETS.length; k++) {
                if (RegionAttentionService.OFFSETS[k] <= at) {
                    c4++;
                    c256 += k < 2 ? 1 : 0;
                }
            }
            w4 = c4 / 4.0;
            w256 = c256 / 2.0;
        }
        return (maps.at4k(head4k, u, v) * w4 + maps.at256(head256, u, v) * w256) / (w4 + w256);
    }

    @GetMapping("/api/v1/slides/{id}/heatmap.png")
    @Operation(operationId = "getSlideHeatmap", summary = "A slide-level heatmap stitched from its regions",
            description = "The whole slide at `size` px on its longer side (read from a pyramid level, never"
                    + " enlarged), with a layer stitched from the regions at their level-0 places, blended at alpha"
                    + " 0.5; a legend below (colour bar, scale bar). Scores: `attention4k` (the ViT-4K CLS"
                    + " attention of head `head` over each region's patches, percentile per region; computed from"
                    + " the stored cls256 grids), `attention-mass` (each region's weight in the slide head's gated"
                    + " attention pool, subtype head else survival head, drawn as percentiles over regions),"
                    + " `probability` (each region alone through the subtype head: P(`class`), default the"
                    + " slide's predicted class), `tissue` (tissue fraction), `risk` (each region alone through the"
                    + " survival head). Areas without an analysed region show the slide unchanged.")
    @ApiResponse(responseCode = "200", description = "The heatmap",
            content = @Content(mediaType = PNG, schema = @Schema(type = "string", format = "binary")))
    @ApiResponse(responseCode = "400", description = "score, head, class, size or cmap invalid (VALIDATION_FAILED)")
    @ApiResponse(responseCode = "404", description = "Slide not analysed (RESULTS_NOT_FOUND), or the score needs a"
            + " head that did not analyse it (SCORE_NOT_AVAILABLE)")
    @ApiResponse(responseCode = "409", description = "The loaded models did not analyse this slide (MODEL_CHANGED)")
    @ApiResponse(responseCode = "422", description = "The stored slide cannot be read (CORRUPT_SLIDE, ...)")
    @ApiResponse(responseCode = "503", description = "No models configured (MODEL_NOT_CONFIGURED)")
    ResponseEntity<byte[]> slideHeatmap(@PathVariable UUID id,
            @Parameter(description = "attention4k, attention-mass, probability, tissue or risk",
                    schema = @Schema(allowableValues = {"attention4k", "attention-mass", "probability", "tissue",
                            "risk"}, defaultValue = "attention4k"))
            @RequestParam(defaultValue = "attention4k") String score,
            @Parameter(description = "ViT-4K head for attention4k, 0 to 5")
            @RequestParam(defaultValue = "0") int head,
            @Parameter(description = "Subtype class for probability; default the slide's predicted class")
            @RequestParam(name = "class", required = false) String className,
            @Parameter(description = "Longer side in pixels, 256 to 4096", schema = @Schema(type = "integer",
                    format = "int32", minimum = "256", maximum = "4096", defaultValue = "1024"))
            @RequestParam(defaultValue = "1024") int size,
            @Parameter(description = "coolwarm or jet", schema = @Schema(allowableValues = {"coolwarm", "jet"},
                    defaultValue = "coolwarm"))
            @RequestParam(defaultValue = "coolwarm") String cmap) throws IOException {
        OverlayLayer layer = OverlayLayer.of(score, head, className, cmap);
        checkSize(size);
        ScoreField field = overlays.field(id, layer);
        try (SlideImages.OpenedSlideImage opened = images.open(id)) {
            long w0 = opened.image().metadata().width();
            long h0 = opened.image().metadata().height();
            double scale = (double) size / Math.max(w0, h0);
            int w = (int) Math.max(1, Math.round(w0 * scale));
            int h = (int) Math.max(1, Math.round(h0 * scale));
            BufferedImage he = HeatmapImages.slideThumbnail(opened.image(), w, h);
            BufferedImage overlay = SlideOverlays.draw(field, 0, 0, w0, h0, w, h);
            BufferedImage figure = HeatmapImages.withLegend(HeatmapImages.blend(he, overlay, HeatmapImages.ALPHA),
                    field.title(), field.colors(), field.low(), field.high(), opened.mpp().x() / scale);
            return png(figure, id + "-heatmap-" + layer.score() + ".png");
        }
    }

    private static void checkSize(int size) {
        if (size < MIN_SIZE || size > MAX_SIZE) {
            throw ApiException.validationFailed("size must be between " + MIN_SIZE + " and " + MAX_SIZE + ", was "
                    + size);
        }
    }

    private static ResponseEntity<byte[]> png(BufferedImage image, String filename) {
        return ResponseEntity.ok().contentType(MediaType.IMAGE_PNG)
                .header("Content-Disposition", ContentDisposition.inline().filename(filename).build().toString())
                .body(HeatmapImages.png(image));
    }
}
