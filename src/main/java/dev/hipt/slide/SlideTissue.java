package dev.hipt.slide;

import dev.hipt.job.JobProperties;
import dev.hipt.storage.BlobStore;
import dev.hipt.system.ApiException;
import dev.hipt.wsi.Mpp;
import dev.hipt.wsi.MppResolver;
import dev.hipt.wsi.Region;
import dev.hipt.wsi.RegionGrid;
import dev.hipt.wsi.RegionReader;
import dev.hipt.wsi.SlideException;
import dev.hipt.wsi.TissueDetector;
import dev.hipt.wsi.TissueMask;
import dev.hipt.wsi.WholeSlideImage;
import dev.hipt.wsi.WholeSlideImages;
import java.io.IOException;
import java.nio.file.NoSuchFileException;
import java.util.List;
import java.util.UUID;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.stereotype.Component;

/**
 * A registered slide's tissue mask, computed on request for quality control from a low-resolution read of the
 * slide's own pixels (about 64 x downsampled, read in chunks; never its label, macro or thumbnail images). It uses
 * the same detector as the analysis pipeline: the application's {@link TissueDetector} bean when one is defined,
 * otherwise {@link TissueDetector.TissueParams#defaults()}, exactly as {@code dev.hipt.job} chooses it.
 */
@Component
class SlideTissue {

    private final SlideRepository slides;
    private final BlobStore blobs;
    private final TissueDetector detector;
    private final RegionReader reader;
    private final double minTissueFraction;

    SlideTissue(SlideRepository slides, BlobStore blobs, ObjectProvider<TissueDetector> detector,
                ObjectProvider<RegionReader> reader, JobProperties jobs) {
        this.slides = slides;
        this.blobs = blobs;
        this.detector = detector.getIfAvailable(TissueDetector::new);
        this.reader = reader.getIfAvailable(RegionReader::new);
        this.minTissueFraction = jobs.minTissueFraction();
    }

    /** The mask with the QC picture of slide {@code id} at {@code maxSide} px (see {@link TissueQcOverlay}). */
    record Qc(TissueMask mask, TissueQcOverlay.Picture picture) {
    }

    /**
     * The mask and the QC picture: the slide from its pyramid, the mask outlined, the region grid the analysis
     * plans (none when the slide's MPP is unknown or it has no tissue), the area outside the slide hatched.
     *
     * @throws ApiException 404 {@code NOT_FOUND} when there is no such slide
     */
    Qc qc(UUID id, int maxSide) throws IOException {
        Slide slide = slides.findById(id).orElseThrow(() -> ApiException.notFound("Slide", id));
        return withImage(id, slide, image -> {
            TissueMask mask = detector.detect(image);
            List<Region> grid = List.of();
            try {
                Double override = SlideService.MPP_FROM_REQUEST.equals(slide.mppSource()) ? slide.mppX() : null;
                Mpp mpp = MppResolver.resolve(image.metadata(), override);
                grid = RegionGrid.plan(image.metadata(), mask, reader.level0Footprint(mpp), minTissueFraction);
            } catch (SlideException e) {
                // unknown MPP or no tissue: the picture shows the slide and its mask without a grid
            }
            return new Qc(mask, TissueQcOverlay.draw(image, mask, grid, maxSide));
        });
    }

    /**
     * The tissue mask of slide {@code id}.
     *
     * @throws ApiException                  404 {@code NOT_FOUND} when there is no such slide (or it was deleted
     *                                       meanwhile)
     * @throws dev.hipt.wsi.SlideException   when the stored file cannot be read ({@code CORRUPT_SLIDE}, ...)
     * @throws IOException                   when the blob store fails
     */
    TissueMask mask(UUID id) throws IOException {
        Slide slide = slides.findById(id).orElseThrow(() -> ApiException.notFound("Slide", id));
        return withImage(id, slide, detector::detect);
    }

    private interface ImageWork<T> {
        T apply(WholeSlideImage image) throws IOException;
    }

    private <T> T withImage(UUID id, Slide slide, ImageWork<T> work) throws IOException {
        BlobStore.LocalFile file;
        try {
            // leased while the mask is computed: a download cache must not drop the copy under the reader
            file = blobs.lease(slide.blobKey());
        } catch (NoSuchFileException e) {
            // deleted between the lookup and now: the slide is gone; otherwise the store lost a file (a 500)
            if (slides.findById(id).isEmpty()) {
                throw ApiException.notFound("Slide", id);
            }
            throw e;
        }
        DeletedSlideCheck deleted = new DeletedSlideCheck(slides, id);
        try (file; WholeSlideImage image = deleted.guard(WholeSlideImages.open(file.path()))) {
            return work.apply(image);
        } catch (RuntimeException e) {
            // the file vanished under the reader because the slide was deleted meanwhile: 404, not CORRUPT_SLIDE
            throw deleted.translate(e);
        }
    }
}
