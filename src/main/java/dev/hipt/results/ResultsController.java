package dev.hipt.results;

import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.Parameter;
import io.swagger.v3.oas.annotations.media.Content;
import io.swagger.v3.oas.annotations.media.Schema;
import io.swagger.v3.oas.annotations.responses.ApiResponse;
import io.swagger.v3.oas.annotations.tags.Tag;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.util.UUID;
import org.springframework.http.ContentDisposition;
import org.springframework.http.HttpHeaders;
import org.springframework.http.MediaType;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

/** Analysis results of a slide: embeddings, the cls256 download, predictions and similar slides. */
@RestController
@RequestMapping("/api/v1/slides/{id}")
@Tag(name = "results", description = "Analysis results of a slide (its newest analysis)")
@ApiResponse(responseCode = "404", description = "The slide has no analysis results (RESULTS_NOT_FOUND)")
class ResultsController {

    private final ResultsService service;

    ResultsController(ResultsService service) {
        this.service = service;
    }

    @GetMapping(path = "/embeddings", produces = MediaType.APPLICATION_JSON_VALUE)
    @Operation(operationId = "getEmbeddings", summary = "Region and slide embeddings with their model provenance")
    @ApiResponse(responseCode = "200", description = "The embeddings of the slide's newest analysis")
    SlideEmbeddings embeddings(@PathVariable UUID id) {
        return service.embeddings(id);
    }

    /*
     * No 'produces': generated clients ask for a file in their own ways (openapi-generator's Python client sends
     * only 'Accept: application/problem+json', the first type of the operation with "json" in it), and every one of
     * them must get the file; errors are problem+json whatever the Accept.
     */
    @GetMapping(path = "/embeddings/patches")
    @Operation(operationId = "getPatchEmbeddings",
            summary = "ViT-256 CLS tokens of every region as one float32 .npy [M x 256 x 384]",
            description = "Regions in the order of /embeddings; NumPy format 1.0, little-endian float32, C order. "
                    + "Streamed region by region.")
    @ApiResponse(responseCode = "200", description = "The .npy file",
            content = @Content(mediaType = MediaType.APPLICATION_OCTET_STREAM_VALUE,
                    schema = @Schema(type = "string", format = "binary")))
    void patches(@PathVariable UUID id, HttpServletResponse response) throws IOException {
        ResultsService.PatchesDownload download = service.patches(id);
        response.setContentType(MediaType.APPLICATION_OCTET_STREAM_VALUE);
        response.setHeader(HttpHeaders.CONTENT_DISPOSITION,
                ContentDisposition.attachment().filename(id + "-cls256.npy").build().toString());
        response.setContentLengthLong(download.contentLength());
        download.writeTo(response.getOutputStream());
    }

    @GetMapping(path = "/predictions", produces = MediaType.APPLICATION_JSON_VALUE)
    @Operation(operationId = "getPredictions", summary = "Subtype and survival predictions",
            description = "200 even when no head was configured or demo weights made the results: the missing "
                    + "prediction is null and 'note' says why.")
    @ApiResponse(responseCode = "200", description = "The predictions of the slide's newest analysis")
    SlidePredictions predictions(@PathVariable UUID id) {
        return service.predictions(id);
    }

    @GetMapping(path = "/similar", produces = MediaType.APPLICATION_JSON_VALUE)
    @Operation(operationId = "getSimilarSlides",
            summary = "Nearest analysed slides by cosine similarity of the slide embedding (same model version)")
    @ApiResponse(responseCode = "200", description = "The nearest slides, most similar first")
    @ApiResponse(responseCode = "400", description = "k outside 1..100 (VALIDATION_FAILED)")
    SimilarSlides similar(@PathVariable UUID id,
                          @Parameter(description = "how many neighbours, 1..100")
                          @RequestParam(defaultValue = "10") int k) {
        return service.similar(id, k);
    }
}
