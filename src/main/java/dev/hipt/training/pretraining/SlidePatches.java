package dev.hipt.training.pretraining;

import dev.hipt.wsi.Mpp;
import dev.hipt.wsi.MppResolver;
import dev.hipt.wsi.ReadOptions;
import dev.hipt.wsi.Region;
import dev.hipt.wsi.RegionGrid;
import dev.hipt.wsi.RegionReader;
import dev.hipt.wsi.RgbImage;
import dev.hipt.wsi.TissueDetector;
import dev.hipt.wsi.TissueMask;
import dev.hipt.wsi.WholeSlideImage;
import dev.hipt.wsi.WholeSlideImages;

import java.nio.file.Path;
import java.util.List;

/**
 * One open slide cut into squares of {@code side} pixels at 20x (0.5 um/px) on the analysis grid's scheme (anchored
 * at the slide origin, read as {@link RegionReader} reads regions), keeping those whose tissue fraction is above
 * the threshold: the 256 x 256 patches of stage 1, or the 4096 x 4096 regions of stage 2.
 */
final class SlidePatches implements AutoCloseable {

    /** HIPT's magnification: 0.5 um/px. */
    static final double TARGET_MPP = 0.5;

    private final WholeSlideImage slide;
    private final Mpp mpp;
    private final RegionReader reader;
    private final List<Region> squares;

    private SlidePatches(WholeSlideImage slide, Mpp mpp, RegionReader reader, List<Region> squares) {
        this.slide = slide;
        this.mpp = mpp;
        this.reader = reader;
        this.squares = squares;
    }

    /**
     * Opens {@code file} and plans its tissue squares.
     *
     * @param mppOverride       the slide's microns per pixel as stored with it, or {@code null} for the file's own
     * @param betweenReads      called between the bounded reads of tissue detection; may throw to stop
     * @throws dev.hipt.wsi.SlideException {@code NO_TISSUE} when no square is kept, or the slide's read error
     */
    static SlidePatches open(Path file, Double mppOverride, int side, double minTissueFraction,
                             TissueDetector detector, Runnable betweenReads) {
        WholeSlideImage slide = WholeSlideImages.open(file);
        try {
            Mpp mpp = MppResolver.resolve(slide.metadata(), mppOverride);
            RegionReader reader = new RegionReader(new ReadOptions(TARGET_MPP, side, false));
            TissueMask mask = detector.detect(slide, betweenReads);
            List<Region> squares = RegionGrid.plan(slide.metadata(), mask, reader.level0Footprint(mpp),
                    minTissueFraction);
            return new SlidePatches(slide, mpp, reader, squares);
        } catch (RuntimeException | Error e) {
            slide.close();
            throw e;
        }
    }

    /** The kept squares in row-major order; never empty. */
    List<Region> squares() {
        return squares;
    }

    /** The square's pixels at 20x, {@code side x side}. */
    RgbImage read(Region square) {
        return reader.read(slide, mpp, square.x(), square.y());
    }

    @Override
    public void close() {
        slide.close();
    }
}
