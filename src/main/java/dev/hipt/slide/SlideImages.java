package dev.hipt.slide;

import dev.hipt.storage.BlobStore;
import dev.hipt.system.ApiException;
import dev.hipt.wsi.WholeSlideImage;
import dev.hipt.wsi.WholeSlideImages;
import java.io.IOException;
import java.nio.file.NoSuchFileException;
import java.util.UUID;
import org.springframework.stereotype.Component;

/**
 * Opens a registered slide's pixels for other features (the viewer's Deep Zoom tiles): the stored file is leased
 * from the blob store for as long as the image is open, so that a download cache never drops it under the reader.
 */
@Component
public class SlideImages {

    private final SlideRepository slides;
    private final BlobStore blobs;

    SlideImages(SlideRepository slides, BlobStore blobs) {
        this.slides = slides;
        this.blobs = blobs;
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
     * Opens slide {@code id}; the caller closes the result, which releases the native handle and the lease.
     *
     * @throws ApiException                404 {@code NOT_FOUND} when there is no such slide (or it was deleted
     *                                     meanwhile)
     * @throws dev.hipt.wsi.SlideException when the stored file cannot be read
     * @throws IOException                 when the blob store fails
     */
    public Opened open(UUID id) throws IOException {
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
        try {
            return new Opened(slide.sha256(), file, WholeSlideImages.open(file.path()));
        } catch (IllegalArgumentException e) {
            file.close();
            if (slides.findById(id).isEmpty()) {
                throw ApiException.notFound("Slide", id);
            }
            throw e;
        } catch (RuntimeException | Error e) {
            file.close();
            throw e;
        }
    }

    /** An open slide and the lease on its file; closing it closes both. */
    public static final class Opened implements AutoCloseable {

        private final String sha256;
        private final BlobStore.LocalFile file;
        private final WholeSlideImage image;

        private Opened(String sha256, BlobStore.LocalFile file, WholeSlideImage image) {
            this.sha256 = sha256;
            this.file = file;
            this.image = image;
        }

        /** Hex SHA-256 of the slide's file. */
        public String sha256() {
            return sha256;
        }

        public WholeSlideImage image() {
            return image;
        }

        @Override
        public void close() {
            try {
                image.close();
            } finally {
                file.close();
            }
        }
    }
}
