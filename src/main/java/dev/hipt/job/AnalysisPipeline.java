package dev.hipt.job;

import dev.hipt.model.RegionEmbedding;
import dev.hipt.model.RegionEncoder;
import dev.hipt.model.SubtypePrediction;
import dev.hipt.model.SurvivalPrediction;
import dev.hipt.results.Provenance;
import dev.hipt.results.RegionResult;
import dev.hipt.results.RegionResults;
import dev.hipt.results.SlideResult;
import dev.hipt.results.StoredRegion;
import dev.hipt.wsi.Region;
import dev.hipt.wsi.RgbImage;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import java.util.function.IntConsumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.annotation.Qualifier;
import org.springframework.stereotype.Component;

/**
 * One analysis: slide to region grid, regions read ahead on reader threads while the model encodes earlier ones in
 * batches, every region stored as soon as it is encoded, then the slide-level result. A region is identified by its
 * level-0 geometry and the model version: one already stored is reused (unless the request recomputes all), which
 * is also how a job resumes after its worker died; stored regions that the grid no longer has are dropped. With
 * several devices ({@code hipt.model.devices}) an analysis encodes on the least busy one.
 */
@Component
class AnalysisPipeline {

    private static final Logger log = LoggerFactory.getLogger(AnalysisPipeline.class);

    private final SlideSource slides;
    private final RegionInference inference;
    private final ModelProvider models;
    private final RegionResults results;
    private final ExecutorService readers;
    private final JobProperties properties;
    private final JobMetrics metrics;
    private final DeviceSlots devices = new DeviceSlots();

    AnalysisPipeline(SlideSource slides, RegionInference inference, ModelProvider models, RegionResults results,
                     @Qualifier(JobScheduling.READERS) ExecutorService readers, JobProperties properties,
                     JobMetrics metrics) {
        this.slides = slides;
        this.inference = inference;
        this.models = models;
        this.results = results;
        this.readers = readers;
        this.properties = properties;
        this.metrics = metrics;
    }

    /**
     * Analyses the slide of {@code request} to the end.
     *
     * @throws AnalysisStopped                                 cancelled, or this worker is stopping
     * @throws dev.hipt.wsi.SlideException                     the slide cannot be analysed
     * @throws ModelNotConfiguredException                     no models
     */
    void run(AnalysisRequest request, JobControl control) throws IOException {
        try (ModelProvider.Lease lease = models.lease()) {
            LoadedModels loaded = lease.models();
            int device = devices.take(loaded.encoders().size());
            try {
                run(request, control, loaded.onDevice(device));
            } finally {
                devices.give(device);
            }
        }
    }

    private void run(AnalysisRequest request, JobControl control, LoadedModels loaded) throws IOException {
        Provenance provenance = loaded.provenance();
        List<StoredRegion> gone;
        try (SlideSource.OpenedSlide slide = slides.open(request, control)) {
            List<Region> regions = slide.regions();
            Plan plan = plan(request, control, provenance.modelVersion(), regions);
            int done = regions.size() - plan.todo().size();
            control.progress(done, regions.size());
            encodeRegions(request, control, slide, plan.todo(), loaded, done, regions.size());
            gone = plan.gone();
        }
        control.checkpoint();
        // Only now that the new grid is complete: until here the old results still describe the slide.
        gone.forEach(region -> results.drop(request.slideId(), provenance.modelVersion(), region));
        storeSlideResult(request, loaded);
    }

    /**
     * Matches the grid against the stored regions by level-0 geometry: a stored region of the same geometry is
     * kept (its grid position and tissue fraction brought up to date) unless the caller asked to recompute all;
     * regions this job stored in an earlier attempt are always kept, which is how a job resumes; stored regions
     * outside the grid are to be dropped.
     */
    private Plan plan(AnalysisRequest request, JobControl control, String modelVersion, List<Region> regions) {
        Map<Footprint, StoredRegion> stored = new HashMap<>();
        for (StoredRegion region : results.storedRegions(request.slideId(), modelVersion)) {
            stored.put(new Footprint(region.x(), region.y(), region.width(), region.height()), region);
        }
        UUID jobId = control.jobId();
        List<Region> todo = new ArrayList<>();
        int reused = 0;
        int resumed = 0;
        for (Region region : regions) {
            StoredRegion found = stored.remove(Footprint.of(region));
            boolean ours = found != null && jobId.equals(found.jobId());
            if (found == null || (request.recomputeAll() && !ours)) {
                todo.add(region);
                continue;
            }
            if (found.index() != region.index() || found.tissueFraction() != region.tissueFraction()) {
                results.relocate(request.slideId(), modelVersion, found, region.index(), region.tissueFraction());
            }
            if (ours) {
                resumed++;
            } else {
                reused++;
            }
        }
        List<StoredRegion> gone = List.copyOf(stored.values());
        control.planned(reused, gone.size());
        if (reused + resumed + gone.size() > 0) {
            log.info("Slide {}: {} regions in the grid, {} reused, {} resumed, {} to encode, {} stored regions no "
                            + "longer in the grid", request.slideId(), regions.size(), reused, resumed, todo.size(),
                    gone.size());
        }
        return new Plan(todo, gone);
    }

    private record Plan(List<Region> todo, List<StoredRegion> gone) {
    }

    /** Where a region lies on the slide, in level-0 pixels: what identifies its stored result. */
    private record Footprint(long x, long y, long width, long height) {
        static Footprint of(Region region) {
            return new Footprint(region.x(), region.y(), region.width(), region.height());
        }
    }

    private void encodeRegions(AnalysisRequest request, JobControl control, SlideSource.OpenedSlide slide,
                               List<Region> todo, LoadedModels loaded, int done, int total) {
        // At most `window` regions are in memory at once: the batch the model works on plus those read ahead.
        int window = properties.batchRegions() + properties.readAhead();
        Deque<Future<Prepared>> pending = new ArrayDeque<>();
        Iterator<Region> next = todo.iterator();
        try {
            while (true) {
                while (pending.size() < window && next.hasNext()) {
                    Region region = next.next();
                    pending.add(readers.submit(() -> prepare(slide, region)));
                }
                if (pending.isEmpty()) {
                    return;
                }
                List<Prepared> batch = new ArrayList<>(properties.batchRegions());
                while (batch.size() < properties.batchRegions() && !pending.isEmpty()) {
                    batch.add(await(pending.poll()));
                }
                control.checkpoint();
                int perRegion = patchesPerRegion(batch.get(0).side());
                int patchesTotal = total * perRegion;
                int patchesBefore = done * perRegion;
                List<RegionEmbedding> embeddings = encode(loaded, batch,
                        patches -> control.patches(patchesBefore + patches, patchesTotal));
                for (int i = 0; i < batch.size(); i++) {
                    Region region = batch.get(i).region();
                    RegionEmbedding e = embeddings.get(i);
                    results.store(request.slideId(), loaded.provenance(), control.jobId(),
                            new RegionResult(region.index(), region.x(), region.y(), region.width(), region.height(),
                                    region.tissueFraction(), e.cls4k(), e.mean256(), e.cls256()));
                    metrics.regionProcessed();
                    control.progress(++done, total);
                }
                control.patches(done * perRegion, patchesTotal);
            }
        } finally {
            pending.forEach(f -> f.cancel(true));
        }
    }

    private Prepared prepare(SlideSource.OpenedSlide slide, Region region) throws IOException {
        RgbImage rgb = slide.read(region);
        if (rgb.width() != rgb.height()) {
            throw new IllegalStateException("region " + region.index() + " was read as " + rgb.width() + "x"
                    + rgb.height() + ", not square");
        }
        float[] chw = inference.preprocess(rgb);
        // Preprocessing may crop to a multiple of the patch size: the side is what it returns.
        int side = (int) Math.round(Math.sqrt(chw.length / 3.0));
        if (3L * side * side != chw.length) {
            throw new IllegalStateException("preprocessed region " + region.index() + " is not a square CHW image");
        }
        return new Prepared(region, chw, side);
    }

    /** 256 x 256 patches ViT-256 encodes per region of side {@code side} (at least 1, for tiny test regions). */
    private static int patchesPerRegion(int side) {
        int perSide = side / RegionEncoder.PATCH;
        return Math.max(1, perSide * perSide);
    }

    private List<RegionEmbedding> encode(LoadedModels loaded, List<Prepared> batch, IntConsumer patchesDone) {
        int side = batch.get(0).side();
        List<float[]> chw = new ArrayList<>(batch.size());
        for (Prepared p : batch) {
            if (p.side() != side) {
                throw new IllegalStateException("regions of one batch differ in size: " + side + " and " + p.side());
            }
            chw.add(p.chw());
        }
        List<RegionEmbedding> embeddings;
        try (ModelProvider.InUse use = models.inUse()) {
            embeddings = metrics.timeInference(() -> inference.encode(loaded, chw, side, patchesDone));
        }
        if (embeddings.size() != batch.size()) {
            throw new IllegalStateException("encoder returned " + embeddings.size() + " embeddings for "
                    + batch.size() + " regions");
        }
        return embeddings;
    }

    private static Prepared await(Future<Prepared> future) {
        try {
            return future.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AnalysisStopped(AnalysisStopped.Reason.ABANDONED, "worker interrupted while reading");
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            if (cause instanceof RuntimeException runtime) {
                throw runtime;
            }
            if (cause instanceof IOException io) {
                throw new UncheckedIOException(io);
            }
            if (cause instanceof Error error) {
                throw error;
            }
            throw new IllegalStateException(cause);
        }
    }

    private void storeSlideResult(AnalysisRequest request, LoadedModels loaded) {
        Provenance provenance = loaded.provenance();
        // Demo random weights give embeddings to look at, never predictions.
        boolean subtype = loaded.subtype().isPresent() && !provenance.untrained();
        boolean survival = loaded.survival().isPresent() && !provenance.untrained();
        List<RegionResult> stored = results.load(request.slideId(), provenance.modelVersion(), subtype || survival);
        if (stored.isEmpty()) {
            throw new IllegalStateException("no regions stored for slide " + request.slideId());
        }
        List<float[]> cls256 = stored.stream().map(RegionResult::cls256).toList();
        SubtypePrediction subtypePrediction;
        SurvivalPrediction survivalPrediction;
        try (ModelProvider.InUse use = models.inUse()) {
            subtypePrediction = subtype ? inference.subtype(loaded, cls256) : null;
            survivalPrediction = survival ? inference.survival(loaded, cls256) : null;
        }
        results.storeSlide(request.slideId(), provenance,
                new SlideResult(stored.size(), meanCls4k(stored), subtypePrediction, survivalPrediction));
    }

    static float[] meanCls4k(List<RegionResult> regions) {
        double[] sum = new double[regions.get(0).cls4k().length];
        for (RegionResult region : regions) {
            float[] v = region.cls4k();
            for (int i = 0; i < sum.length; i++) {
                sum[i] += v[i];
            }
        }
        float[] mean = new float[sum.length];
        for (int i = 0; i < sum.length; i++) {
            mean[i] = (float) (sum[i] / regions.size());
        }
        return mean;
    }

    private record Prepared(Region region, float[] chw, int side) {
    }
}
