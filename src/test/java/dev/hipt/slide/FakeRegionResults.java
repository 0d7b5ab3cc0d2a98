package dev.hipt.slide;

import dev.hipt.results.Provenance;
import dev.hipt.results.RegionResult;
import dev.hipt.results.RegionResults;
import dev.hipt.results.SlideResult;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;

/** A {@link RegionResults} that stores nothing and records which slides' results were deleted. */
public class FakeRegionResults implements RegionResults {

    private final List<UUID> deleted = new CopyOnWriteArrayList<>();

    @Override
    public Set<Integer> storedRegions(UUID slideId, String modelVersion) {
        return Set.of();
    }

    @Override
    public void store(UUID slideId, Provenance provenance, RegionResult region) {
    }

    @Override
    public List<RegionResult> load(UUID slideId, String modelVersion, boolean withCls256) {
        return List.of();
    }

    @Override
    public void storeSlide(UUID slideId, Provenance provenance, SlideResult result) {
    }

    @Override
    public void deleteForSlide(UUID slideId) {
        deleted.add(slideId);
    }

    public List<UUID> deleted() {
        return deleted;
    }
}
