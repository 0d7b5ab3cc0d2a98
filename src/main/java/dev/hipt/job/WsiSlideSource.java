package dev.hipt.job;

import dev.hipt.storage.BlobStore;
import dev.hipt.wsi.Mpp;
import dev.hipt.wsi.MppResolver;
import dev.hipt.wsi.Region;
import dev.hipt.wsi.RegionGrid;
import dev.hipt.wsi.RegionReader;
import dev.hipt.wsi.RgbImage;
import dev.hipt.wsi.TissueDetector;
import dev.hipt.wsi.TissueMask;
import dev.hipt.wsi.WholeSlideImage;
import dev.hipt.wsi.WholeSlideImages;
import java.io.IOException;
import java.util.List;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.stereotype.Component;

/**
 * Slides from the blob store through the {@code wsi} package: open, MPP (the request's override wins), tissue
 * mask (checking the job between reads), region grid with the reader's level-0 footprint, region reads at the
 * target magnification.
 */
@Component
class WsiSlideSource implements SlideSource {

    private final BlobStore blobs;
    private final TissueDetector tissue;
    private final RegionReader reader;
    private final JobProperties properties;

    WsiSlideSource(BlobStore blobs, ObjectProvider<TissueDetector> tissue, ObjectProvider<RegionReader> reader,
                   JobProperties properties) {
        this.blobs = blobs;
        this.tissue = tissue.getIfAvailable(TissueDetector::new);
        this.reader = reader.getIfAvailable(RegionReader::new);
        this.properties = properties;
    }

    @Override
    public OpenedSlide open(AnalysisRequest request, JobControl control) throws IOException {
        // Leased for the whole analysis: a download cache must not drop the copy while the slide is read.
        BlobStore.LocalFile file = blobs.lease(request.blobKey());
        WholeSlideImage slide;
        try {
            slide = WholeSlideImages.open(file.path());
        } catch (RuntimeException e) {
            file.close();
            throw e;
        }
        try {
            Mpp mpp = MppResolver.resolve(slide.metadata(), request.mppOverride());
            // A slide without a small pyramid level is read in many bounded pieces: a cancel or a shutdown stops it
            // between two of them instead of after the whole scan.
            TissueMask mask = tissue.detect(slide, control::checkpoint);
            List<Region> regions = RegionGrid.plan(slide.metadata(), mask, reader.level0Footprint(mpp),
                    properties.minTissueFraction());
            return new Opened(file, slide, mpp, regions);
        } catch (RuntimeException | Error e) {
            // an OutOfMemoryError from a huge mask included: the native handle is released now, not by the Cleaner
            slide.close();
            file.close();
            throw e;
        }
    }

    private final class Opened implements OpenedSlide {

        private final BlobStore.LocalFile file;
        private final WholeSlideImage slide;
        private final Mpp mpp;
        private final List<Region> regions;

        Opened(BlobStore.LocalFile file, WholeSlideImage slide, Mpp mpp, List<Region> regions) {
            this.file = file;
            this.slide = slide;
            this.mpp = mpp;
            this.regions = regions;
        }

        @Override
        public List<Region> regions() {
            return regions;
        }

        @Override
        public RgbImage read(Region region) {
            return reader.read(slide, mpp, region.x(), region.y());
        }

        @Override
        public void close() {
            try {
                slide.close();
            } finally {
                file.close();
            }
        }
    }
}
