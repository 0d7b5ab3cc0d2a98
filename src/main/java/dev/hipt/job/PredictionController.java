package dev.hipt.job;

import dev.hipt.system.ApiException;
import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.media.Schema;
import io.swagger.v3.oas.annotations.responses.ApiResponse;
import io.swagger.v3.oas.annotations.tags.Tag;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.springframework.http.MediaType;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RestController;

/** Recomputing predictions with the active heads from stored embeddings, one slide or a batch. */
@RestController
@Tag(name = "predictions", description = "Recompute predictions with the active heads (no region re-encoded)")
class PredictionController {

    /** The most slides one batch request recomputes (synchronously). */
    static final int MAX_BATCH = 100;

    private final Repredictions repredictions;

    PredictionController(Repredictions repredictions) {
        this.repredictions = repredictions;
    }

    @Schema(description = "A slide's recomputed predictions; read them with GET /api/v1/slides/{id}/predictions")
    record RepredictionView(
            @Schema(description = "The slide") UUID slideId,
            @Schema(description = "The backbone whose stored embeddings were used") String modelVersion,
            @Schema(description = "How many regions' cls256 grids went in") int regions,
            @Schema(description = "Role to the registered model id that made the result") Map<String, String> modelIds,
            @Schema(description = "Whether a subtype prediction was made") boolean subtype,
            @Schema(description = "Whether a survival prediction was made") boolean survival) {

        static RepredictionView of(Repredictions.Repredicted r) {
            return new RepredictionView(r.slideId(), r.modelVersion(), r.regions(), r.modelIds(), r.subtype(),
                    r.survival());
        }
    }

    @Schema(description = "Slides to recompute predictions for")
    record BatchRequest(@Schema(description = "At most 100 slide ids", requiredMode = Schema.RequiredMode.REQUIRED)
                        List<UUID> slideIds) {
    }

    @Schema(description = "One slide's outcome in a batch")
    record BatchOutcome(
            @Schema(description = "The slide") UUID slideId,
            @Schema(description = "PREDICTED, or the error code (NO_EMBEDDINGS, BACKBONE_NOT_ACTIVE, ...)")
            String outcome,
            @Schema(description = "The recomputed predictions' summary when PREDICTED",
                    nullable = true) RepredictionView prediction,
            @Schema(description = "Why not, when not PREDICTED", nullable = true) String detail) {
    }

    @Schema(description = "Every slide's outcome, in request order")
    record BatchResponse(@Schema(description = "Outcomes in request order") List<BatchOutcome> results) {
    }

    @PostMapping(path = "/api/v1/slides/{id}/predictions", produces = MediaType.APPLICATION_JSON_VALUE)
    @Operation(operationId = "recomputePredictions",
            summary = "Recompute the slide's predictions with the active heads, from stored cls256 grids",
            description = "No region is read or encoded again. The slide's embeddings must come from the active"
                    + " backbone; the new predictions replace the old ones at GET .../predictions, whose provenance"
                    + " names the registered heads.")
    @ApiResponse(responseCode = "200", description = "Recomputed")
    @ApiResponse(responseCode = "404", description = "The slide was deleted while its predictions were recomputed"
            + " (NOT_FOUND); nothing is stored for it")
    @ApiResponse(responseCode = "409", description = "NO_EMBEDDINGS (not analysed), BACKBONE_NOT_ACTIVE (encoded by"
            + " another backbone: reanalyse), NO_ACTIVE_HEADS")
    RepredictionView repredict(@PathVariable UUID id) {
        return RepredictionView.of(repredictions.repredict(id));
    }

    @PostMapping(path = "/api/v1/admin/predictions", consumes = MediaType.APPLICATION_JSON_VALUE,
            produces = MediaType.APPLICATION_JSON_VALUE)
    @Operation(operationId = "recomputePredictionsBatch",
            summary = "Recompute predictions of up to 100 slides with the active heads (ADMIN)",
            description = "Synchronous, one slide after the other; each slide's outcome is PREDICTED or the code"
                    + " the single-slide call would answer. Send larger sets in several requests.")
    @ApiResponse(responseCode = "200", description = "Every slide's outcome")
    @ApiResponse(responseCode = "400", description = "No slideIds, more than 100, or a null one (VALIDATION_FAILED);"
            + " a body that is not a JSON object with a slideIds array of UUIDs (BAD_REQUEST)")
    @ApiResponse(responseCode = "415", description = "The body is not application/json (UNSUPPORTED_MEDIA_TYPE)")
    BatchResponse repredictBatch(@RequestBody BatchRequest request) {
        if (request == null || request.slideIds() == null || request.slideIds().isEmpty()
                || request.slideIds().size() > MAX_BATCH) {
            throw ApiException.validationFailed("slideIds must list 1 to " + MAX_BATCH + " slide ids");
        }
        if (request.slideIds().contains(null)) {
            throw ApiException.validationFailed("slideIds must not contain null");
        }
        List<BatchOutcome> outcomes = new ArrayList<>();
        for (UUID slideId : request.slideIds()) {
            try {
                outcomes.add(new BatchOutcome(slideId, "PREDICTED",
                        RepredictionView.of(repredictions.repredict(slideId)), null));
            } catch (ApiException e) {
                outcomes.add(new BatchOutcome(slideId, e.code(), null, e.getMessage()));
            }
        }
        return new BatchResponse(outcomes);
    }
}
