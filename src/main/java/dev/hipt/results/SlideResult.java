package dev.hipt.results;

import dev.hipt.model.SubtypePrediction;
import dev.hipt.model.SurvivalPrediction;

/**
 * Slide-level outcome of an analysis.
 *
 * @param regions   how many regions were analysed
 * @param meanCls4k the mean of the regions' cls4k vectors, the slide embedding used for similarity search
 * @param subtype   the subtype head's prediction, or {@code null} when no subtype checkpoint is configured
 * @param survival  the survival head's prediction, or {@code null} when no survival checkpoint is configured
 */
public record SlideResult(int regions, float[] meanCls4k, SubtypePrediction subtype, SurvivalPrediction survival) {
}
