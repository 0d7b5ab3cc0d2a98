package dev.hipt.results;

import java.util.List;
import java.util.Set;
import java.util.UUID;

/** The write and read side of analysis results that the job engine uses. */
public interface RegionResults {

    /** Indices of the regions already stored for this slide and model version: a resumed job skips them. */
    Set<Integer> storedRegions(UUID slideId, String modelVersion);

    /**
     * Stores one region idempotently: storing the same (slide, region index, model version) again replaces it and
     * never makes a second row or blob.
     */
    void store(UUID slideId, Provenance provenance, RegionResult region);

    /** The stored regions of a slide in index order, with {@code cls256} loaded when asked. */
    List<RegionResult> load(UUID slideId, String modelVersion, boolean withCls256);

    /** Stores the slide-level result, replacing an earlier one of the same model version. */
    void storeSlide(UUID slideId, Provenance provenance, SlideResult result);

    /** Removes every result row and blob of the slide. */
    void deleteForSlide(UUID slideId);
}
