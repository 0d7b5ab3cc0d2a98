package dev.hipt.job;

import dev.hipt.results.Provenance;
import dev.hipt.results.RegionResult;
import dev.hipt.results.RegionResults;
import dev.hipt.results.SlideResult;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/** Idempotent in-memory results that also count how often each region was stored. */
class InMemoryRegionResults implements RegionResults {

    private record Key(UUID slideId, String modelVersion) {
    }

    private final Map<Key, Map<Integer, RegionResult>> regions = new ConcurrentHashMap<>();
    private final Map<UUID, Map<Integer, AtomicInteger>> storeCounts = new ConcurrentHashMap<>();
    private final Map<UUID, SlideResult> slides = new ConcurrentHashMap<>();

    @Override
    public Set<Integer> storedRegions(UUID slideId, String modelVersion) {
        return Set.copyOf(regions.getOrDefault(new Key(slideId, modelVersion), Map.of()).keySet());
    }

    @Override
    public void store(UUID slideId, Provenance provenance, RegionResult region) {
        regions.computeIfAbsent(new Key(slideId, provenance.modelVersion()), k -> new ConcurrentHashMap<>())
                .put(region.index(), region);
        storeCounts.computeIfAbsent(slideId, k -> new ConcurrentHashMap<>())
                .computeIfAbsent(region.index(), k -> new AtomicInteger()).incrementAndGet();
    }

    @Override
    public List<RegionResult> load(UUID slideId, String modelVersion, boolean withCls256) {
        return new TreeMap<>(regions.getOrDefault(new Key(slideId, modelVersion), Map.of())).values().stream()
                .map(r -> withCls256 ? r : new RegionResult(r.index(), r.x(), r.y(), r.width(), r.height(),
                        r.tissueFraction(), r.cls4k(), r.mean256(), null))
                .toList();
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
}
