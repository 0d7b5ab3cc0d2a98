package dev.hipt.job;

import dev.hipt.results.Provenance;
import dev.hipt.results.RegionResult;
import dev.hipt.results.RegionResults;
import dev.hipt.results.SlideResult;
import dev.hipt.results.StoredRegion;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Idempotent in-memory results, keyed like the real ones by (slide, model version, level-0 geometry), that also
 * count how often each region index was stored.
 */
class InMemoryRegionResults implements RegionResults {

    private record Key(UUID slideId, String modelVersion) {
    }

    private record Footprint(long x, long y, long width, long height) {
    }

    private record Stored(RegionResult region, UUID jobId) {
    }

    private final Map<Key, Map<Footprint, Stored>> regions = new ConcurrentHashMap<>();
    private final Map<UUID, Map<Integer, AtomicInteger>> storeCounts = new ConcurrentHashMap<>();
    private final Map<UUID, SlideResult> slides = new ConcurrentHashMap<>();

    @Override
    public List<StoredRegion> storedRegions(UUID slideId, String modelVersion) {
        return regions(slideId, modelVersion).values().stream()
                .map(s -> new StoredRegion(s.region().index(), s.region().x(), s.region().y(), s.region().width(),
                        s.region().height(), s.region().tissueFraction(), s.jobId()))
                .sorted(Comparator.comparingInt(StoredRegion::index))
                .toList();
    }

    @Override
    public void store(UUID slideId, Provenance provenance, UUID jobId, RegionResult region) {
        regions.computeIfAbsent(new Key(slideId, provenance.modelVersion()), k -> new ConcurrentHashMap<>())
                .put(footprint(region.x(), region.y(), region.width(), region.height()), new Stored(region, jobId));
        storeCounts.computeIfAbsent(slideId, k -> new ConcurrentHashMap<>())
                .computeIfAbsent(region.index(), k -> new AtomicInteger()).incrementAndGet();
    }

    @Override
    public void relocate(UUID slideId, String modelVersion, StoredRegion region, int index, double tissueFraction) {
        regions(slideId, modelVersion).computeIfPresent(
                footprint(region.x(), region.y(), region.width(), region.height()), (f, s) -> {
                    RegionResult r = s.region();
                    return new Stored(new RegionResult(index, r.x(), r.y(), r.width(), r.height(), tissueFraction,
                            r.cls4k(), r.mean256(), r.cls256()), s.jobId());
                });
    }

    @Override
    public void drop(UUID slideId, String modelVersion, StoredRegion region) {
        regions(slideId, modelVersion).remove(footprint(region.x(), region.y(), region.width(), region.height()));
    }

    @Override
    public List<RegionResult> load(UUID slideId, String modelVersion, boolean withCls256) {
        return regions(slideId, modelVersion).values().stream()
                .map(Stored::region)
                .sorted(Comparator.comparingInt(RegionResult::index))
                .map(r -> withCls256 ? r : new RegionResult(r.index(), r.x(), r.y(), r.width(), r.height(),
                        r.tissueFraction(), r.cls4k(), r.mean256(), null))
                .toList();
    }

    @Override
    public List<String> modelVersions(UUID slideId) {
        return regions.entrySet().stream().filter(e -> e.getKey().slideId().equals(slideId) && !e.getValue().isEmpty())
                .map(e -> e.getKey().modelVersion()).distinct().sorted().toList();
    }

    @Override
    public void storeSlide(UUID slideId, Provenance provenance, SlideResult result) {
        slides.put(slideId, result);
    }

    @Override
    public void deleteForSlide(UUID slideId) {
        regions.keySet().removeIf(k -> k.slideId().equals(slideId));
        slides.remove(slideId);
    }

    /** How many times each region index of the slide was stored. */
    Map<Integer, Integer> storeCounts(UUID slideId) {
        Map<Integer, Integer> counts = new TreeMap<>();
        storeCounts.getOrDefault(slideId, Map.of()).forEach((index, n) -> counts.put(index, n.get()));
        return counts;
    }

    SlideResult slideResult(UUID slideId) {
        return slides.get(slideId);
    }

    private Map<Footprint, Stored> regions(UUID slideId, String modelVersion) {
        return regions.getOrDefault(new Key(slideId, modelVersion), Map.of());
    }

    private static Footprint footprint(long x, long y, long width, long height) {
        return new Footprint(x, y, width, height);
    }
}
