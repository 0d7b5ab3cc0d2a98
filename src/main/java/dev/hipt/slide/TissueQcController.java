package dev.hipt.slide;

import dev.hipt.system.ApiException;
import dev.hipt.wsi.TissueMask;
import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.Parameter;
import io.swagger.v3.oas.annotations.headers.Header;
import io.swagger.v3.oas.annotations.media.Content;
import io.swagger.v3.oas.annotations.media.Schema;
import io.swagger.v3.oas.annotations.responses.ApiResponse;
import io.swagger.v3.oas.annotations.tags.Tag;
import java.io.IOException;
import java.math.BigDecimal;
import java.util.Locale;
import java.util.UUID;
import org.springframework.http.ContentDisposition;
import org.springframework.http.HttpHeaders;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

/**
 * {@code /api/v1/slides/{id}/tissue}: the tissue mask the analysis uses, and a thumbnail overlay of it, as PNG for
 * quality control. Both are computed on request from a low-resolution read of the slide's own pixels; the response
 * headers give the mask geometry (see {@link #MASK_DOWNSAMPLE} and the other header names).
 *
 * <p>The mappings declare no {@code produces}: the PNG is served whatever the request's {@code Accept} says, because
 * generated clients ask for it in their own ways (openapi-generator's Python client sends only
 * {@code Accept: application/problem+json}, the first type of the operation that contains "json"); errors are
 * problem+json whatever the Accept.
 */
@RestController
@RequestMapping("/api/v1/slides/{id}/tissue")
@Tag(name = "slides")
class TissueQcController {

    /** Level-0 pixels per mask pixel along each axis. */
    static final String MASK_DOWNSAMPLE = "X-Tissue-Downsample";
    /** Share of the slide's area that is tissue, in [0, 1]. */
    static final String TISSUE_FRACTION = "X-Tissue-Fraction";
    /** Mask width in mask pixels. */
    static final String MASK_WIDTH = "X-Tissue-Mask-Width";
    /** Mask height in mask pixels. */
    static final String MASK_HEIGHT = "X-Tissue-Mask-Height";
    /** Level-0 pixels per overlay pixel along each axis. */
    static final String OVERLAY_DOWNSAMPLE = "X-Overlay-Downsample";
    /** Level-0 width of the slide. */
    static final String SLIDE_WIDTH = "X-Slide-Width";
    /** Level-0 height of the slide. */
    static final String SLIDE_HEIGHT = "X-Slide-Height";

    static final int MIN_SIDE = 64;
    static final int MAX_SIDE = 4096;

    private static final String PNG = MediaType.IMAGE_PNG_VALUE;

    private final SlideTissue tissue;

    TissueQcController(SlideTissue tissue) {
        this.tissue = tissue;
    }

    @GetMapping(path = "/mask.png") // no 'produces': see the class comment
    @Operation(operationId = "getTissueMask", summary = "The slide's tissue mask as a PNG (white = tissue)",
            description = "A grayscale PNG of the binary tissue mask at the detection level (about 64 x"
                    + " downsampled): mask pixel (i, j) covers level-0 [i * d, (i + 1) * d) x [j * d, (j + 1) * d)"
                    + " with d = X-Tissue-Downsample. Computed on request with the analysis pipeline's tissue"
                    + " detector from the slide's own pixels, never from its label or macro images.")
    @ApiResponse(responseCode = "200", description = "The mask, white (255) = tissue, black (0) = background",
            content = @Content(mediaType = PNG, schema = @Schema(type = "string", format = "binary")),
            headers = {
                @Header(name = MASK_DOWNSAMPLE, description = "Level-0 pixels per mask pixel along each axis",
                        schema = @Schema(type = "number", format = "double")),
                @Header(name = TISSUE_FRACTION, description = "Share of the slide's area that is tissue, 0 to 1",
                        schema = @Schema(type = "number", format = "double")),
                @Header(name = MASK_WIDTH, description = "Mask width in mask pixels (the PNG's width)",
                        schema = @Schema(type = "integer", format = "int32")),
                @Header(name = MASK_HEIGHT, description = "Mask height in mask pixels (the PNG's height)",
                        schema = @Schema(type = "integer", format = "int32")),
                @Header(name = SLIDE_WIDTH, description = "Level-0 width of the slide",
                        schema = @Schema(type = "integer", format = "int64")),
                @Header(name = SLIDE_HEIGHT, description = "Level-0 height of the slide",
                        schema = @Schema(type = "integer", format = "int64"))})
    @ApiResponse(responseCode = "404", description = "No such slide (NOT_FOUND)")
    @ApiResponse(responseCode = "422", description = "The stored slide cannot be read (CORRUPT_SLIDE,"
            + " UNSUPPORTED_FORMAT)")
    ResponseEntity<byte[]> mask(@PathVariable UUID id) throws IOException {
        TissueMask mask = tissue.mask(id);
        return png(mask, mask.maskPng(), id + "-tissue-mask.png");
    }

    @GetMapping(path = "/overlay.png") // no 'produces': see the class comment
    @Operation(operationId = "getTissueOverlay", summary = "A QC picture of the slide with its tissue outlined and its region grid",
            description = "An RGB PNG of the slide read from its own pyramid (never from its label, macro or"
                    + " thumbnail images, never by enlarging the mask) at `maxSide` pixels on the longer side of"
                    + " the picture, which covers the slide and the region grid the analysis plans (a grid reaches"
                    + " past the slide's edge); the tissue mask drawn as a green outline over the H&E, the regions"
                    + " as blue rectangles with their index (no grid when the slide's MPP is unknown), and the area"
                    + " outside the slide hatched grey. X-Overlay-Downsample level-0 pixels per picture pixel;"
                    + " picture pixel (0, 0) is level-0 (0, 0).")
    @ApiResponse(responseCode = "200", description = "The overlay",
            content = @Content(mediaType = PNG, schema = @Schema(type = "string", format = "binary")),
            headers = {
                @Header(name = MASK_DOWNSAMPLE, description = "Level-0 pixels per mask pixel along each axis",
                        schema = @Schema(type = "number", format = "double")),
                @Header(name = TISSUE_FRACTION, description = "Share of the slide's area that is tissue, 0 to 1",
                        schema = @Schema(type = "number", format = "double")),
                @Header(name = MASK_WIDTH, description = "Mask width in mask pixels",
                        schema = @Schema(type = "integer", format = "int32")),
                @Header(name = MASK_HEIGHT, description = "Mask height in mask pixels",
                        schema = @Schema(type = "integer", format = "int32")),
                @Header(name = SLIDE_WIDTH, description = "Level-0 width of the slide",
                        schema = @Schema(type = "integer", format = "int64")),
                @Header(name = SLIDE_HEIGHT, description = "Level-0 height of the slide",
                        schema = @Schema(type = "integer", format = "int64")),
                @Header(name = OVERLAY_DOWNSAMPLE, description = "Level-0 pixels per picture pixel",
                        schema = @Schema(type = "number", format = "double"))})
    @ApiResponse(responseCode = "400", description = "maxSide outside 64 to 4096 (VALIDATION_FAILED)")
    @ApiResponse(responseCode = "404", description = "No such slide (NOT_FOUND)")
    @ApiResponse(responseCode = "422", description = "The stored slide cannot be read (CORRUPT_SLIDE,"
            + " UNSUPPORTED_FORMAT)")
    ResponseEntity<byte[]> overlay(@PathVariable UUID id,
            @Parameter(description = "Longer side of the picture in pixels, 64 to 4096", schema = @Schema(type = "integer", format = "int32",
                    minimum = "64", maximum = "4096", defaultValue = "1024"))
            @RequestParam(defaultValue = "1024") int maxSide) throws IOException {
        if (maxSide < MIN_SIDE || maxSide > MAX_SIDE) {
            throw ApiException.validationFailed("maxSide must be between " + MIN_SIDE + " and " + MAX_SIDE);
        }
        SlideTissue.Qc qc = tissue.qc(id, maxSide);
        ResponseEntity<byte[]> answer = png(qc.mask(), png(qc.picture().image()), id + "-tissue-overlay.png");
        return ResponseEntity.status(answer.getStatusCode()).headers(answer.getHeaders())
                .header(OVERLAY_DOWNSAMPLE, plain(qc.picture().downsample())).body(answer.getBody());
    }

    private static ResponseEntity<byte[]> png(TissueMask mask, byte[] png, String filename) {
        HttpHeaders headers = new HttpHeaders();
        headers.setContentType(MediaType.IMAGE_PNG);
        headers.setContentDisposition(ContentDisposition.inline().filename(filename).build());
        headers.set(MASK_DOWNSAMPLE, plain(mask.downsample()));
        headers.set(TISSUE_FRACTION, String.format(Locale.ROOT, "%.6f", mask.tissueFraction()));
        headers.set(MASK_WIDTH, Integer.toString(mask.width()));
        headers.set(MASK_HEIGHT, Integer.toString(mask.height()));
        headers.set(SLIDE_WIDTH, Long.toString(mask.slideWidth()));
        headers.set(SLIDE_HEIGHT, Long.toString(mask.slideHeight()));
        return ResponseEntity.ok().headers(headers).body(png);
    }

    private static byte[] png(java.awt.image.BufferedImage image) throws IOException {
        try (java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream()) {
            javax.imageio.ImageIO.write(image, "png", out);
            return out.toByteArray();
        }
    }

    /** {@code 64} rather than {@code 64.0}; fractional downsamples keep their digits. */
    private static String plain(double value) {
        return BigDecimal.valueOf(value).stripTrailingZeros().toPlainString();
    }
}
