package dev.hipt.wsi;

import java.util.List;
import java.util.Objects;

/**
 * Finds tissue on a low-resolution image of a slide, the way CLAM's {@code segmentTissue} does with the defaults of
 * its {@code create_patches_fp.py}: HSV saturation, median blur, a fixed (or Otsu) threshold, a morphological close,
 * then connected components filtered by area, with the large holes kept open and the small ones filled.
 *
 * <p>The image comes from the pyramid level whose downsample is nearest to {@link TissueParams#targetDownsample()}
 * without exceeding it by more than half, area-averaged down to about that downsample when the level is finer
 * (a single-level slide is read in chunks and averaged by 64). The read is chunked, so memory follows the mask
 * (a few bytes per mask pixel), not the slide.
 *
 * <p>Differences from CLAM, on purpose: areas are pixel counts of connected components (foreground 8-connected,
 * holes 4-connected, as OpenCV's contour tracing treats them) rather than polygon areas of traced contours; and the
 * area thresholds are capped at {@link TissueParams#maxAreaThresholdShare()} of the slide's area, because CLAM's
 * absolute default ({@code a_t} = 100 reference patches of 512 x 512 level-0 pixels, 26 million pixels) exceeds the
 * whole area of small slides and plain images, which would otherwise never hold tissue.
 */
public final class TissueDetector {

    /**
     * Tissue detection settings; {@link #defaults()} gives CLAM's {@code create_patches_fp.py} defaults.
     *
     * @param targetDownsample      downsample (relative to level 0) of the image the mask is computed on (64)
     * @param medianKernel          side of the median blur on saturation, odd (CLAM {@code mthresh} = 7)
     * @param saturationThreshold   saturation (0-255) above which a pixel is tissue (CLAM {@code sthresh} = 8)
     * @param otsu                  use Otsu's threshold on the blurred saturation instead (CLAM {@code use_otsu})
     * @param closeKernel           side of the square morphological close, 0 for none (CLAM {@code close} = 4)
     * @param minTissueArea         a component is kept only with an area above this many reference patches
     *                              (CLAM {@code a_t} = 100)
     * @param minHoleArea           a hole stays open only with an area above this many reference patches; smaller
     *                              holes are filled (CLAM {@code a_h} = 16)
     * @param maxHoles              at most this many holes, the largest, stay open per component (CLAM
     *                              {@code max_n_holes} = 8)
     * @param referencePatchSize    side in level-0 pixels of the reference patch the areas are counted in (512)
     * @param maxAreaThresholdShare cap on both area thresholds as a share of the slide's area (0.01), so that
     *                              small slides keep their tissue; 1 disables the cap
     */
    public record TissueParams(double targetDownsample, int medianKernel, int saturationThreshold, boolean otsu,
                               int closeKernel, double minTissueArea, double minHoleArea, int maxHoles,
                               int referencePatchSize, double maxAreaThresholdShare) {

        public TissueParams {
            if (!(targetDownsample >= 1)) {
                throw new IllegalArgumentException("targetDownsample must be >= 1: " + targetDownsample);
            }
            if (medianKernel < 1 || medianKernel % 2 == 0) {
                throw new IllegalArgumentException("medianKernel must be odd and positive: " + medianKernel);
            }
            if (saturationThreshold < 0 || saturationThreshold > 255) {
                throw new IllegalArgumentException("saturationThreshold must be in [0, 255]: " + saturationThreshold);
            }
            if (closeKernel < 0 || minTissueArea < 0 || minHoleArea < 0 || maxHoles < 0 || referencePatchSize < 1) {
                throw new IllegalArgumentException("negative tissue parameter");
            }
            if (!(maxAreaThresholdShare > 0 && maxAreaThresholdShare <= 1)) {
                throw new IllegalArgumentException("maxAreaThresholdShare must be in (0, 1]: " + maxAreaThresholdShare);
            }
        }

        /** CLAM's defaults: downsample 64, mthresh 7, sthresh 8, no Otsu, close 4, a_t 100, a_h 16, 8 holes. */
        public static TissueParams defaults() {
            return new TissueParams(64, 7, 8, false, 4, 100, 16, 8, 512, 0.01);
        }

        public TissueParams withOtsu(boolean useOtsu) {
            return new TissueParams(targetDownsample, medianKernel, saturationThreshold, useOtsu, closeKernel,
                    minTissueArea, minHoleArea, maxHoles, referencePatchSize, maxAreaThresholdShare);
        }

        public TissueParams withAreas(double tissueArea, double holeArea, int holes) {
            return new TissueParams(targetDownsample, medianKernel, saturationThreshold, otsu, closeKernel,
                    tissueArea, holeArea, holes, referencePatchSize, maxAreaThresholdShare);
        }

        public TissueParams withMaxAreaThresholdShare(double share) {
            return new TissueParams(targetDownsample, medianKernel, saturationThreshold, otsu, closeKernel,
                    minTissueArea, minHoleArea, maxHoles, referencePatchSize, share);
        }
    }

    /** Side in source pixels of the chunks read to build the low-resolution image (12 MB of RGB each). */
    private static final int CHUNK_SIDE = 2048;

    private final TissueParams params;

    public TissueDetector() {
        this(TissueParams.defaults());
    }

    public TissueDetector(TissueParams params) {
        this.params = Objects.requireNonNull(params, "params");
    }

    public TissueParams params() {
        return params;
    }

    /**
     * Computes the tissue mask of a slide from a low-resolution read (never from its associated images). An empty
     * mask is returned, not an error, when there is no tissue; {@link RegionGrid#plan} turns that into
     * {@link SlideErrorCode#NO_TISSUE}.
     */
    public TissueMask detect(WholeSlideImage slide) {
        return detect(slide, () -> { });
    }

    /**
     * {@link #detect(WholeSlideImage)}, calling {@code betweenReads} before each bounded native read (at most
     * {@value #CHUNK_SIDE} x {@value #CHUNK_SIDE} source pixels), so that a caller can stop a long scan by throwing
     * from it: a cancelled job, or a worker being shut down.
     */
    public TissueMask detect(WholeSlideImage slide, Runnable betweenReads) {
        SlideMetadata md = slide.metadata();
        LowRes lowRes = readLowRes(slide, md.levels(), params.targetDownsample(), betweenReads);
        return detect(lowRes.image(), lowRes.downsample(), md.width(), md.height());
    }

    /**
     * Computes the tissue mask from an already downsampled RGB image of the whole slide.
     *
     * @param lowRes      the slide at {@code downsample}, its pixel (i, j) covering level-0
     *                    {@code [i * downsample, (i + 1) * downsample)} along each axis
     * @param downsample  the image's downsample relative to level 0
     * @param slideWidth  level-0 width
     * @param slideHeight level-0 height
     */
    public TissueMask detect(RgbImage lowRes, double downsample, long slideWidth, long slideHeight) {
        int w = lowRes.width();
        int h = lowRes.height();
        byte[] sat = MaskOps.saturation(lowRes.rgb(), w, h);
        byte[] blurred = MaskOps.medianBlur(sat, w, h, params.medianKernel());
        int threshold = params.otsu() ? MaskOps.otsuThreshold(blurred) : params.saturationThreshold();
        byte[] binary = MaskOps.threshold(blurred, threshold);
        if (params.closeKernel() > 0) {
            binary = MaskOps.close(binary, w, h, params.closeKernel());
        }
        double refArea = (double) params.referencePatchSize() * params.referencePatchSize() / (downsample * downsample);
        double cap = params.maxAreaThresholdShare() * (double) w * h;
        double tissueAreaThreshold = Math.min(params.minTissueArea() * refArea, cap);
        double holeAreaThreshold = Math.min(params.minHoleArea() * refArea, cap);
        byte[] mask = Components.filter(binary, w, h, tissueAreaThreshold, holeAreaThreshold, params.maxHoles());
        return new TissueMask(mask, w, h, downsample, slideWidth, slideHeight, lowRes);
    }

    record LowRes(RgbImage image, double downsample) {
    }

    /**
     * Reads the whole slide at about {@code target} downsample: the coarsest level at most 1.5 x the target,
     * area-averaged by the integer factor that brings it nearest to the target, chunk by chunk.
     */
    /**
     * The pyramid level {@link #detect} reads whole: the coarsest at most 1.5 x the target downsample. A slide
     * whose only such level is huge (no pyramid) costs a read of every level-0 pixel.
     */
    public Level sourceLevel(List<Level> levels) {
        return sourceLevel(levels, params.targetDownsample());
    }

    private static Level sourceLevel(List<Level> levels, double target) {
        Level source = levels.get(0);
        for (Level level : levels) {
            if (level.downsample() <= target * 1.5 && level.downsample() > source.downsample()) {
                source = level;
            }
        }
        return source;
    }

    static LowRes readLowRes(WholeSlideImage slide, List<Level> levels, double target, Runnable betweenReads) {
        Level source = sourceLevel(levels, target);
        int factor = (int) Math.max(1, Math.round(target / source.downsample()));
        long lw = source.width();
        long lh = source.height();
        long mwLong = (lw + factor - 1) / factor;
        long mhLong = (lh + factor - 1) / factor;
        if (mwLong * mhLong * 3 > Integer.MAX_VALUE - 16) {
            throw new SlideException(SlideErrorCode.CORRUPT_SLIDE, "slide too large for a tissue mask at downsample "
                    + source.downsample() * factor + ": " + mwLong + " x " + mhLong);
        }
        int mw = (int) mwLong;
        int mh = (int) mhLong;
        byte[] out = new byte[mw * mh * 3];
        // square chunks of at most CHUNK_SIDE source pixels a side, in whole averaging blocks
        int chunk = Math.max(1, CHUNK_SIDE / factor);
        double ds = source.downsample();
        for (int my = 0; my < mh; my += chunk) {
            int ch = Math.min(chunk, mh - my);
            for (int mx = 0; mx < mw; mx += chunk) {
                int cw = Math.min(chunk, mw - mx);
                long sx = (long) mx * factor;
                long sy = (long) my * factor;
                int sw = (int) Math.min((long) cw * factor, lw - sx);
                int sh = (int) Math.min((long) ch * factor, lh - sy);
                betweenReads.run();
                RgbImage pixels = slide.readRegion(source.index(), Math.round(sx * ds), Math.round(sy * ds), sw, sh);
                MaskOps.areaAverageInto(pixels, factor, out, mw, mx, my);
            }
        }
        return new LowRes(new RgbImage(mw, mh, out), ds * factor);
    }
}
