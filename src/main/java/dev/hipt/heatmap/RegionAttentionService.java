package dev.hipt.heatmap;

import dev.hipt.heatmap.AttentionStore.Geometry;
import dev.hipt.job.LoadedModels;
import dev.hipt.job.ModelProvider;
import dev.hipt.model.RegionAttention;
import dev.hipt.model.RegionEncoder;
import dev.hipt.results.AnalysedSlide;
import dev.hipt.results.AnalysedSlides;
import dev.hipt.results.RegionResult;
import dev.hipt.slide.SlideImages;
import dev.hipt.system.ApiException;
import dev.hipt.system.ErrorCodes;
import dev.hipt.wsi.RegionReader;
import dev.hipt.wsi.RgbImage;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.Semaphore;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.http.HttpStatus;
import org.springframework.stereotype.Service;

/**
 * A region's attention maps, computed on request and kept in {@link AttentionStore}. Both ViTs' maps come from the
 * region's pixels through the eager {@link RegionEncoder#attention} (the only engine that exposes attention weights,
 * whatever engine ran the analysis); a slide-wide ViT-4K layer needs no pixels: it comes from the stored cls256 grids.
 * At most one region is encoded from pixels at a time (a 4096 px region takes ~250 MB while it is encoded).
 */
@Service
class RegionAttentionService {

    /** Offsets of HIPT's shifted passes in region pixels; ViT-256 uses the first two. */
    static final int[] OFFSETS = {0, 128, 256, 384};
    private static final int CELL = 16;

    private final AnalysedSlides analysed;
    private final AttentionStore store;
    private final ModelProvider models;
    private final SlideImages images;
    private final RegionReader reader;
    private final HeatmapProperties properties;
    private final Semaphore encoding = new Semaphore(1, true);

    RegionAttentionService(AnalysedSlides analysed, AttentionStore store, ModelProvider models, SlideImages images,
                           ObjectProvider<RegionReader> reader, HeatmapProperties properties) {
        this.analysed = analysed;
        this.store = store;
        this.models = models;
        this.images = images;
        this.reader = reader.getIfAvailable(RegionReader::new);
        this.properties = properties;
    }

    /** A region of the slide's newest analysis with its full maps (both ViTs, smoothed as configured). */
    record RegionView(AnalysedSlide slide, RegionResult region, RegionMaps maps) {
    }

    /**
     * Region {@code index} of the slide's newest analysis with both ViTs' maps, from the store or computed now.
     *
     * @throws ApiException 404 {@code RESULTS_NOT_FOUND} / {@code REGION_NOT_FOUND}, 409 {@code MODEL_CHANGED}
     */
    RegionView region(UUID slideId, int index) throws IOException {
        AnalysedSlide slide = analysed.newest(slideId, false);
        if (index < 0 || index >= slide.regions().size()) {
            throw new ApiException(HttpStatus.NOT_FOUND, ErrorCodes.REGION_NOT_FOUND, "Slide " + slideId
                    + "'s newest analysis has regions 0 to " + (slide.regions().size() - 1) + ", not " + index);
        }
        RegionResult region = slide.regions().get(index);
        Geometry g = geometry(region);
        Optional<RegionMaps> stored = usable(store.find(slideId, slide.modelVersion(), g));
        if (stored.isPresent()) {
            return new RegionView(slide, region, stored.get());
        }
        try (ModelProvider.Lease lease = leaseFor(slide)) {
            encoding.acquireUninterruptibly();
            try {
                // Requests for the same region queue here while the first computes it: they take its maps
                // instead of computing them again one after the other.
                Optional<RegionMaps> meanwhile = usable(store.find(slideId, slide.modelVersion(), g));
                if (meanwhile.isPresent()) {
                    return new RegionView(slide, region, meanwhile.get());
                }
                RgbImage pixels;
                try (SlideImages.OpenedSlideImage opened = images.open(slideId)) {
                    pixels = reader.read(opened.image(), opened.mpp(), region.x(), region.y());
                }
                RegionMaps maps = fromPixels(lease.models().encoder(), pixels, properties.offsets());
                store.save(slideId, slide.modelVersion(), g, maps);
                return new RegionView(slide, region, maps);
            } finally {
                encoding.release();
            }
        }
    }

    /** Stored maps that serve a region view: with the ViT-256 maps, computed with the configured offsets. */
    private Optional<RegionMaps> usable(Optional<RegionMaps> stored) {
        return stored.filter(m -> m.hasVit256() && m.offsets() == properties.offsets());
    }

    /**
     * The ViT-4K maps of every region of the slide's newest analysis, in region order: those stored, the others
     * computed from the stored cls256 grids (unsmoothed) and stored.
     */
    List<RegionMaps> vit4k(AnalysedSlide slide) {
        Map<Geometry, RegionMaps> stored = store.all(slide.slideId(), slide.modelVersion());
        List<RegionMaps> out = new ArrayList<>(Arrays.asList(new RegionMaps[slide.regions().size()]));
        List<Integer> missing = new ArrayList<>();
        for (int i = 0; i < slide.regions().size(); i++) {
            RegionMaps m = stored.get(geometry(slide.regions().get(i)));
            if (m == null) {
                missing.add(i);
            } else {
                out.set(i, m);
            }
        }
        if (missing.isEmpty()) {
            return out;
        }
        try (ModelProvider.Lease lease = leaseFor(slide)) {
            AnalysedSlide withGrids = analysed.newest(slide.slideId(), true);
            Map<Integer, float[]> grids = new HashMap<>();
            for (int i : missing) {
                float[] cls256 = withGrids.regions().get(i).cls256();
                if (cls256 == null) {
                    throw new ApiException(HttpStatus.NOT_FOUND, ErrorCodes.SCORE_NOT_AVAILABLE, "Region " + i
                            + " of slide " + slide.slideId() + " was stored without its cls256 grid: no ViT-4K"
                            + " attention can be computed for it; reanalyse the slide");
                }
                grids.put(i, cls256);
            }
            List<float[]> attention = lease.models().encoder().attention4k(missing.stream().map(grids::get).toList());
            for (int k = 0; k < missing.size(); k++) {
                int i = missing.get(k);
                float[] a = attention.get(k);
                int patches = grids.get(i).length / 384;
                int grid = (int) Math.round(Math.sqrt(patches));
                RegionMaps m = new RegionMaps(a.length / patches, grid,
                        Percentiles.encode(Percentiles.rankEach(a, patches, 256.0 * 256)), 0, 0, null, false);
                store.save(slide.slideId(), slide.modelVersion(), geometry(slide.regions().get(i)), m);
                out.set(i, m);
            }
        }
        return out;
    }

    /**
     * A lease on the loaded models, when they are the ones that analysed the slide; the caller closes it. The lease
     * keeps an activation (of a head, say) from closing the models while they compute: without it the request saw
     * their native memory freed under it.
     */
    ModelProvider.Lease leaseFor(AnalysedSlide slide) {
        ModelProvider.Lease lease = models.lease();
        LoadedModels loaded = lease.models();
        if (!loaded.provenance().modelVersion().equals(slide.modelVersion())) {
            lease.close();
            throw new ApiException(HttpStatus.CONFLICT, ErrorCodes.MODEL_CHANGED, "Slide " + slide.slideId()
                    + " was analysed with model version " + slide.modelVersion() + " but " + loaded.provenance()
                    .modelVersion() + " is loaded: reanalyse the slide, or load the models it was analysed with");
        }
        return lease;
    }

    static Geometry geometry(RegionResult r) {
        return new Geometry(r.x(), r.y(), r.width(), r.height());
    }

    /**
     * Both ViTs' percentile maps of a square region read at the model's magnification, as HIPT computes them: per
     * pass, ViT-256 maps ranked per patch (x16 upsampling) and ViT-4K maps per region (x256), pasted back at the
     * pass's offset and averaged over the passes that cover each cell.
     */
    static RegionMaps fromPixels(RegionEncoder encoder, RgbImage region, boolean offsets) {
        int side = Math.min(region.width(), region.height()) / RegionEncoder.PATCH * RegionEncoder.PATCH;
        if (side == 0) {
            throw new IllegalArgumentException("a region needs at least 256 x 256 pixels, got " + region.width()
                    + "x" + region.height());
        }
        int patchGrid = side / RegionEncoder.PATCH;
        int cell4k = offsets ? OFFSETS[1] : RegionEncoder.PATCH;
        int grid4k = side / cell4k;
        int grid256 = side / CELL;
        int passes = offsets ? OFFSETS.length : 1;
        double[] sum4k = null;
        int[] count4k = new int[grid4k * grid4k];
        double[] sum256 = null;
        int[] count256 = new int[grid256 * grid256];
        int heads4k = 0;
        int heads256 = 0;
        for (int pass = 0; pass < passes; pass++) {
            int o = OFFSETS[pass];
            RgbImage shifted = shifted(region, side, o);
            RegionAttention a = encoder.attention(RegionEncoder.preprocess(shifted.rgb(), side, side), side);
            int patches = a.patches();
            heads4k = a.heads4k();
            heads256 = a.heads256();
            if (sum4k == null) {
                sum4k = new double[heads4k * grid4k * grid4k];
                sum256 = new double[heads256 * grid256 * grid256];
            }
            float[] p4k = Percentiles.rankEach(a.attention4k(), patches, 256.0 * 256);
            int per = RegionEncoder.PATCH / cell4k;
            for (int pr = 0; pr < patchGrid; pr++) {
                for (int pc = 0; pc < patchGrid; pc++) {
                    for (int dr = 0; dr < per; dr++) {
                        for (int dc = 0; dc < per; dc++) {
                            int row = pr * per + dr + o / cell4k;
                            int col = pc * per + dc + o / cell4k;
                            if (row >= grid4k || col >= grid4k) {
                                continue;
                            }
                            int target = row * grid4k + col;
                            count4k[target]++;
                            for (int h = 0; h < heads4k; h++) {
                                sum4k[h * grid4k * grid4k + target] += p4k[h * patches + pr * patchGrid + pc];
                            }
                        }
                    }
                }
            }
            if (pass < 2) {
                int cells = a.attention256().length / (patches * heads256);
                int cellSide = (int) Math.round(Math.sqrt(cells));
                float[] p256 = Percentiles.rankEach(a.attention256(), cells, (double) CELL * CELL);
                for (int p = 0; p < patches; p++) {
                    int pr = p / patchGrid;
                    int pc = p % patchGrid;
                    for (int cr = 0; cr < cellSide; cr++) {
                        for (int cc = 0; cc < cellSide; cc++) {
                            int row = pr * cellSide + cr + o / CELL;
                            int col = pc * cellSide + cc + o / CELL;
                            if (row >= grid256 || col >= grid256) {
                                continue;
                            }
                            int target = row * grid256 + col;
                            if (heads256 > 0) {
                                count256[target]++;
                            }
                            for (int h = 0; h < heads256; h++) {
                                sum256[h * grid256 * grid256 + target] +=
                                        p256[(p * heads256 + h) * cells + cr * cellSide + cc];
                            }
                        }
                    }
                }
            }
        }
        return new RegionMaps(heads4k, grid4k, average(sum4k, count4k), heads256, grid256,
                average(sum256, count256), offsets);
    }

    private static byte[] average(double[] sums, int[] counts) {
        float[] mean = new float[sums.length];
        for (int i = 0; i < sums.length; i++) {
            mean[i] = (float) (sums[i] / counts[i % counts.length]);
        }
        return Percentiles.encode(mean);
    }

    /** The region's top-left {@code side} square moved up and left by {@code o} px, padded white. */
    static RgbImage shifted(RgbImage region, int side, int o) {
        byte[] out = new byte[side * side * 3];
        if (o > 0) {
            Arrays.fill(out, (byte) 255);
        }
        for (int y = 0; y + o < side; y++) {
            System.arraycopy(region.rgb(), ((y + o) * region.width() + o) * 3, out, y * side * 3, (side - o) * 3);
        }
        return new RgbImage(side, side, out);
    }
}
