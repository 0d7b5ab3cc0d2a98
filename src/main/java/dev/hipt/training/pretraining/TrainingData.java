package dev.hipt.training.pretraining;

import dev.hipt.training.dino.MultiCropSample;
import dev.hipt.model.ModelOptions;
import dev.hipt.model.RegionEmbedding;
import dev.hipt.model.RegionEncoder;
import dev.hipt.model.StateDict;
import dev.hipt.model.VisionTransformer;
import dev.hipt.storage.BlobStore;
import dev.hipt.wsi.Region;
import dev.hipt.wsi.RgbImage;
import dev.hipt.wsi.SlideException;
import dev.hipt.wsi.TissueDetector;

import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SplittableRandom;
import java.util.UUID;
import java.util.function.Function;

/**
 * The items a pretraining job samples (stage 1: tissue patches of its slides, stage 2: its slides' regions as
 * ViT-256 token grids) and their multi-crop views.
 */
interface TrainingData extends AutoCloseable {

    /** How many items an epoch goes through. */
    int items();

    /** Values per view position: 3 (RGB) in stage 1, the ViT-256 width in stage 2. */
    int channels();

    /** What the items are and where they came from, for the registered model's metrics. */
    Map<String, Object> summary();

    /** The views of item {@code item}, drawn from {@code random}. */
    MultiCropSample sample(int item, SplittableRandom random) throws IOException;

    @Override
    void close();

    /** Opens the slides of a job; {@code betweenReads} may throw to stop a long scan. */
    static TrainingData stage1(List<PretrainingSlides.StoredSlide> slides, BlobStore blobs, PretrainingSettings settings,
                               Runnable betweenReads) throws IOException {
        ImageAugmentation augmentation = new ImageAugmentation(settings.multiCrop(), settings.mean(), settings.std());
        List<BlobStore.LocalFile> files = new ArrayList<>();
        List<SlidePatches> opened = new ArrayList<>();
        List<SlidePatches> owners = new ArrayList<>();
        List<Region> patches = new ArrayList<>();
        try {
            TissueDetector detector = new TissueDetector();
            for (PretrainingSlides.StoredSlide slide : slides) {
                BlobStore.LocalFile file = blobs.lease(slide.blobKey());
                files.add(file);
                SlidePatches sp = open(slide, file, settings.minTissueFraction(), RegionEncoder.PATCH, detector,
                        betweenReads);
                opened.add(sp);
                for (Region patch : sp.squares()) {
                    owners.add(sp);
                    patches.add(patch);
                }
            }
        } catch (IOException | RuntimeException | Error e) {
            opened.forEach(SlidePatches::close);
            files.forEach(BlobStore.LocalFile::close);
            throw e;
        }
        return new TrainingData() {
            @Override
            public int items() {
                return patches.size();
            }

            @Override
            public int channels() {
                return 3;
            }

            @Override
            public Map<String, Object> summary() {
                return Map.of("patches", patches.size());
            }

            @Override
            public MultiCropSample sample(int item, SplittableRandom random) {
                RgbImage pixels = owners.get(item).read(patches.get(item));
                return augmentation.views(pixels, random);
            }

            @Override
            public void close() {
                opened.forEach(SlidePatches::close);
                files.forEach(BlobStore.LocalFile::close);
            }
        };
    }

    /**
     * Every region of the slides as its ViT-256 token grid, held in memory (384 x 256 floats, 393 KB a region). A
     * slide's grids are those an analysis stored when {@code storedGrids} has them (the regions of that analysis,
     * made by the same ViT-256), else computed here with the frozen {@code vit256} over every region of the analysis
     * grid that has tissue.
     *
     * @param storedGrids a slide's stored cls256 grids ({@code [256 x 384]} row-major each) made by {@code vit256}
     */
    static TrainingData stage2(List<PretrainingSlides.StoredSlide> slides, BlobStore blobs,
                               PretrainingSettings settings, StateDict vit256,
                               Function<UUID, Optional<List<float[]>>> storedGrids, ModelOptions options,
                               Runnable betweenReads) throws IOException {
        int dim = VisionTransformer.describedBy(vit256, 6).dim();
        int tokens = GridAugmentation.GRID * GridAugmentation.GRID;
        List<float[]> grids = new ArrayList<>();
        int reused = 0;
        int encoded = 0;
        TissueDetector detector = new TissueDetector();
        RegionEncoder encoder = null;
        try {
            for (PretrainingSlides.StoredSlide slide : slides) {
                betweenReads.run();
                Optional<List<float[]>> stored = storedGrids.apply(slide.id())
                        .filter(found -> found.stream().allMatch(cls256 -> cls256.length == tokens * dim));
                if (stored.isPresent()) {
                    stored.get().forEach(cls256 -> grids.add(GridAugmentation.grid(cls256, dim)));
                    reused += stored.get().size();
                    continue;
                }
                if (encoder == null) {
                    encoder = RegionEncoder.load(vit256, unusedVit4k(dim), options);
                }
                try (BlobStore.LocalFile file = blobs.lease(slide.blobKey());
                     SlidePatches regions = open(slide, file, 0.0, 4096, detector, betweenReads)) {
                    for (Region region : regions.squares()) {
                        betweenReads.run();
                        RgbImage pixels = regions.read(region);
                        float[] chw = RegionEncoder.preprocess(pixels.rgb(), pixels.width(), pixels.height());
                        RegionEmbedding embedding = encoder.encodePreprocessed(List.of(chw), 4096, false).get(0);
                        grids.add(GridAugmentation.grid(embedding.cls256(), dim));
                        encoded++;
                    }
                }
            }
        } finally {
            if (encoder != null) {
                encoder.close();
            }
        }
        Map<String, Object> summary = new LinkedHashMap<>();
        summary.put("regions", grids.size());
        summary.put("regionsFromStoredGrids", reused);
        summary.put("regionsEncoded", encoded);
        GridAugmentation augmentation = new GridAugmentation(settings.multiCrop(), dim);
        return new TrainingData() {
            @Override
            public int items() {
                return grids.size();
            }

            @Override
            public int channels() {
                return dim;
            }

            @Override
            public Map<String, Object> summary() {
                return summary;
            }

            @Override
            public MultiCropSample sample(int item, SplittableRandom random) {
                return augmentation.views(grids.get(item), random);
            }

            @Override
            public void close() {
            }
        };
    }

    /** RegionEncoder always carries a ViT-4K; stage 2 uses only its ViT-256 CLS tokens. */
    private static StateDict unusedVit4k(int vit256Dim) {
        return new VisionTransformer(VisionTransformer.Stem.PHI, vit256Dim, 1, 192, 1, 6, 768, 14).randomStateDict(0);
    }

    private static SlidePatches open(PretrainingSlides.StoredSlide slide, BlobStore.LocalFile file,
                                     double minTissueFraction, int side, TissueDetector detector,
                                     Runnable betweenReads) {
        try {
            return SlidePatches.open(file.path(), slide.mpp(), side, minTissueFraction, detector, betweenReads);
        } catch (SlideException e) {
            throw new SlideException(e.code(), "slide " + slide.id() + ": " + e.getMessage());
        }
    }
}
