package dev.hipt.slide;

import dev.hipt.storage.BlobStore;
import dev.hipt.system.ApiException;
import dev.hipt.wsi.TissueDetector;
import dev.hipt.wsi.TissueMask;
import dev.hipt.wsi.WholeSlideImage;
import dev.hipt.wsi.WholeSlideImages;
import java.io.IOException;
import java.nio.file.NoSuchFileException;
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

    SlideTissue(SlideRepository slides, BlobStore blobs, ObjectProvider<TissueDetector> detector) {
        this.slides = slides;
        this.blobs = blobs;
        this.detector = detector.getIfAvailable(TissueDetector::new);
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
        try (file; WholeSlideImage image = WholeSlideImages.open(file.path())) {
            return detector.detect(image);
        } catch (IllegalArgumentException e) {
            if (slides.findById(id).isEmpty()) {
                throw ApiException.notFound("Slide", id);
            }
            throw e;
        }
    }
}
