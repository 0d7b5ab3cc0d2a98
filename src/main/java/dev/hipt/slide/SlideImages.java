package dev.hipt.slide;

import dev.hipt.storage.BlobStore;
import dev.hipt.system.ApiException;
import dev.hipt.wsi.Mpp;
import dev.hipt.wsi.MppResolver;
import dev.hipt.wsi.WholeSlideImage;
import dev.hipt.wsi.WholeSlideImages;
import java.io.IOException;
import java.nio.file.NoSuchFileException;
import java.util.UUID;
import org.springframework.stereotype.Component;

/**
 * Opens a registered slide's stored file for features that draw it (heatmaps, exports, QC), with the microns per
 * pixel its analysis uses (the upload's override wins over the file's own).
 */
@Component
public class SlideImages {

    private final SlideRepository slides;
    private final BlobStore blobs;
    private final SlideTissue tissue;

    SlideImages(SlideRepository slides, BlobStore blobs, SlideTissue tissue) {
        this.slides = slides;
        this.blobs = blobs;
        this.tissue = tissue;
    }

    /**
     * The slide's tissue mask as the analysis computes it (see {@code GET /api/v1/slides/{id}/tissue/mask.png}).
     *
     * @throws ApiException 404 {@code NOT_FOUND} when there is no such slide
     */
    public dev.hipt.wsi.TissueMask tissueMask(UUID id) throws IOException {
        return tissue.mask(id);
    }

    /**
     * The SHA-256 of slide {@code id}'s file (the identity of its pixels), without opening it.
     *
     * @throws ApiException 404 {@code NOT_FOUND} when there is no such slide
     */
    public String sha256(UUID id) {
        return slides.findById(id).map(Slide::sha256).orElseThrow(() -> ApiException.notFound("Slide", id));
    }

    /**
     * An open slide file; closing it closes the reader and releases the blob store's lease. Its reads throw 404
     * {@code NOT_FOUND} when they fail because the slide was deleted meanwhile.
     */
    public interface OpenedSlideImage extends AutoCloseable {

        WholeSlideImage image();

        /** The file name the slide was uploaded with. */
        String filename();

        /** The microns per pixel of level 0 as the analysis resolves them. */
        Mpp mpp();

        @Override
        void close();
    }

    /**
     * Opens slide {@code id}.
     *
     * @throws ApiException                404 {@code NOT_FOUND} when there is no such slide (or it is deleted while
     *                                     the file is opened)
     * @throws dev.hipt.wsi.SlideException when the stored file cannot be read or has no usable MPP
     * @throws IOException                 when the blob store fails
     */
    public OpenedSlideImage open(UUID id) throws IOException {
        Slide slide = slides.findById(id).orElseThrow(() -> ApiException.notFound("Slide", id));
        BlobStore.LocalFile file;
        try {
            file = blobs.lease(slide.blobKey());
        } catch (NoSuchFileException e) {
            if (slides.findById(id).isEmpty()) {
                throw ApiException.notFound("Slide", id);
            }
            throw e;
        }
        DeletedSlideCheck deleted = new DeletedSlideCheck(slides, id);
        WholeSlideImage image;
        try {
            image = deleted.guard(WholeSlideImages.open(file.path()));
        } catch (RuntimeException e) {
            file.close();
            throw deleted.translate(e);
        }
        try {
            Double override = SlideService.MPP_FROM_REQUEST.equals(slide.mppSource()) ? slide.mppX() : null;
            Mpp mpp = MppResolver.resolve(image.metadata(), override);
            return new OpenedSlideImage() {
                @Override
                public WholeSlideImage image() {
                    return image;
                }

                @Override
                public String filename() {
                    return slide.filename();
                }

                @Override
                public Mpp mpp() {
                    return mpp;
                }

                @Override
                public void close() {
                    try {
                        image.close();
                    } finally {
                        file.close();
                    }
                }
            };
        } catch (RuntimeException e) {
            image.close();
            file.close();
            throw deleted.translate(e);
        }
    }
}
