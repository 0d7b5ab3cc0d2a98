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
import java.util.List;
import java.util.SplittableRandom;

/**
 * The items a pretraining job samples (stage 1: tissue patches of its slides, stage 2: its slides' regions as
 * ViT-256 token grids) and their multi-crop views.
 */
interface TrainingData extends AutoCloseable {

    /** How many items an epoch goes through. */
    int items();

    /** Values per view position: 3 (RGB) in stage 1, the ViT-256 width in stage 2. */
    int channels();

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
     * Every tissue region (4096 x 4096 at 20x, the analysis grid) of the slides as its ViT-256 token grid, computed
     * with the frozen {@code vit256} here and held in memory (384 x 256 floats, 393 KB a region).
     */
    static TrainingData stage2(List<PretrainingSlides.StoredSlide> slides, BlobStore blobs,
                               PretrainingSettings settings, StateDict vit256, ModelOptions options,
                               Runnable betweenReads) throws IOException {
        VisionTransformer described = VisionTransformer.describedBy(vit256, 6);
        // RegionEncoder always carries a ViT-4K; only its ViT-256 CLS tokens are used here.
        StateDict unusedVit4k = new VisionTransformer(VisionTransformer.Stem.PHI, described.dim(), 1, 192, 1, 6, 768,
                14).randomStateDict(0);
        List<float[]> grids = new ArrayList<>();
        TissueDetector detector = new TissueDetector();
        try (RegionEncoder encoder = RegionEncoder.load(vit256, unusedVit4k, options)) {
            for (PretrainingSlides.StoredSlide slide : slides) {
                try (BlobStore.LocalFile file = blobs.lease(slide.blobKey());
                     SlidePatches regions = open(slide, file, 0.0, 4096, detector, betweenReads)) {
                    for (Region region : regions.squares()) {
                        betweenReads.run();
                        RgbImage pixels = regions.read(region);
                        float[] chw = RegionEncoder.preprocess(pixels.rgb(), pixels.width(), pixels.height());
                        RegionEmbedding embedding = encoder.encodePreprocessed(List.of(chw), 4096, false).get(0);
                        grids.add(GridAugmentation.grid(embedding.cls256(), described.dim()));
                    }
                }
            }
        }
        GridAugmentation augmentation = new GridAugmentation(settings.multiCrop(), described.dim());
        return new TrainingData() {
            @Override
            public int items() {
                return grids.size();
            }

            @Override
            public int channels() {
                return described.dim();
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
