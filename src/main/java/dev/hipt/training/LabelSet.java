package dev.hipt.training;

import io.swagger.v3.oas.annotations.media.Schema;
import java.time.Instant;
import java.util.List;
import java.util.UUID;

/**
 * A stored label set as the API shows it.
 *
 * @param rows      the rows in upload order
 * @param classes   the subtype classes in logit order (sorted), empty without a subtype column
 * @param tasks     which heads it can train: {@code subtype}, {@code survival}
 * @param reference whether it is the active reference set of kNN subtyping
 */
public record LabelSet(UUID id, @Schema(nullable = true) String name, int rowCount, List<String> classes,
                       List<HeadTask> tasks, boolean reference, Instant createdAt, List<LabelRow> rows) {

    /**
     * One slide's labels.
     *
     * @param row     the row's number in the upload (data rows from 1)
     * @param subtype the class; null without a subtype column
     * @param months  survival time; null without survival columns
     * @param event   true when the event was observed, false when censored; null without survival columns
     */
    public record LabelRow(int row, UUID slideId, @Schema(nullable = true) String subtype,
                           @Schema(nullable = true) Double months, @Schema(nullable = true) Boolean event) {
    }
}
