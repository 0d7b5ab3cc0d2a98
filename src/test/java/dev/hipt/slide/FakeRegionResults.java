package dev.hipt.slide;

import dev.hipt.results.Provenance;
import dev.hipt.results.RegionResult;
import dev.hipt.results.RegionResults;
import dev.hipt.results.SlideResult;
import dev.hipt.results.StoredRegion;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;

/** A {@link RegionResults} that stores nothing and records which slides' results were deleted. */
public class FakeRegionResults implements RegionResults {

    private final List<UUID> deleted = new CopyOnWriteArrayList<>();

    @Override
    public List<StoredRegion> storedRegions(UUID slideId, String modelVersion) {
        return List.of();
    }

    @Override
    public void store(UUID slideId, Provenance provenance, UUID jobId, RegionResult region) {
    }

    @Override
    public void relocate(UUID slideId, String modelVersion, StoredRegion region, int index, double tissueFraction) {
    }

    @Override
    public void drop(UUID slideId, String modelVersion, StoredRegion region) {
    }

    @Override
    public List<RegionResult> load(UUID slideId, String modelVersion, boolean withCls256) {
        return List.of();
    }

    @Override
    public List<String> modelVersions(UUID slideId) {
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
