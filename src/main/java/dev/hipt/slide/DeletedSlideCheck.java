package dev.hipt.slide;

import dev.hipt.system.ApiException;
import dev.hipt.wsi.RgbImage;
import dev.hipt.wsi.SlideMetadata;
import dev.hipt.wsi.WholeSlideImage;
import java.util.UUID;

/**
 * Tells a read that failed because its slide was deleted meanwhile from a read of a file that is really unreadable.
 * A delete removes the slide's row first and its file after, and the readers open the file again as they read
 * (OpenSlide's handle pool, the pure-Java decoder on every read): a file that vanishes under a reader fails like a
 * corrupt one. So when opening or reading fails and the row is gone, the answer is 404 {@code NOT_FOUND}.
 */
final class DeletedSlideCheck {

    private final SlideRepository slides;
    private final UUID id;

    DeletedSlideCheck(SlideRepository slides, UUID id) {
        this.slides = slides;
        this.id = id;
    }

    /** What opening or reading the slide threw: 404 when the slide is gone, otherwise {@code failure} itself. */
    RuntimeException translate(RuntimeException failure) {
        if (failure instanceof ApiException || slides.findById(id).isPresent()) {
            return failure;
        }
        ApiException notFound = ApiException.notFound("Slide", id);
        notFound.addSuppressed(failure);
        return notFound;
    }

    /** {@code image}, whose failed reads are translated. */
    WholeSlideImage guard(WholeSlideImage image) {
        return new WholeSlideImage() {
            @Override
            public SlideMetadata metadata() {
                return image.metadata();
            }

            @Override
            public RgbImage readRegion(int level, long x, long y, int width, int height) {
                try {
                    return image.readRegion(level, x, y, width, height);
                } catch (RuntimeException e) {
                    throw translate(e);
                }
            }

            @Override
            public void close() {
                image.close();
            }
        };
    }
}
