package dev.hipt.results;

import java.util.List;
import java.util.UUID;

/**
 * The write and read side of analysis results that the job engine uses. A region result is identified by the slide,
 * the model version and the region's level-0 geometry (x, y, width, height); its index is its position in the
 * newest grid, the order in which results are read.
 */
public interface RegionResults {

    /** The regions stored for this slide and model version: a job reuses those still in its grid. */
    List<StoredRegion> storedRegions(UUID slideId, String modelVersion);

    /**
     * Stores one region idempotently: storing the same (slide, model version, geometry) again replaces it and never
     * makes a second row or blob.
     *
     * @param jobId the analysis job that computed it, or {@code null}
     */
    void store(UUID slideId, Provenance provenance, UUID jobId, RegionResult region);

    /** {@link #store(UUID, Provenance, UUID, RegionResult)} of a region computed outside an analysis job. */
    default void store(UUID slideId, Provenance provenance, RegionResult region) {
        store(slideId, provenance, null, region);
    }

    /** Gives a stored region (found by its geometry) its position and tissue fraction in a newly planned grid. */
    void relocate(UUID slideId, String modelVersion, StoredRegion region, int index, double tissueFraction);

    /** Removes a stored region (found by its geometry), row and blob. */
    void drop(UUID slideId, String modelVersion, StoredRegion region);

    /** The stored regions of a slide in index order, with {@code cls256} loaded when asked. */
    List<RegionResult> load(UUID slideId, String modelVersion, boolean withCls256);

    /** The model versions (backbones) this slide has stored regions of; empty when it has none. */
    List<String> modelVersions(UUID slideId);

    /** Stores the slide-level result, replacing an earlier one of the same model version. */
    void storeSlide(UUID slideId, Provenance provenance, SlideResult result);

    /** Removes every result row and blob of the slide. */
    void deleteForSlide(UUID slideId);
}
