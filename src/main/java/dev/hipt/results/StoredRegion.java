package dev.hipt.results;

import java.util.UUID;

/**
 * A region result in store, without its vectors: the level-0 geometry that identifies it (with the model version),
 * its position in the grid it was last part of, and the analysis job that computed it.
 *
 * @param jobId the job that encoded it; {@code null} for results stored before jobs were recorded, or outside a job
 */
public record StoredRegion(int index, long x, long y, long width, long height, double tissueFraction, UUID jobId) {
}
