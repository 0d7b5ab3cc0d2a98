package dev.hipt.slide;

import dev.hipt.wsi.Mpp;
import dev.hipt.wsi.MppResolver;
import dev.hipt.wsi.SlideErrorCode;
import dev.hipt.wsi.SlideException;
import dev.hipt.wsi.SlideMetadata;
import dev.hipt.wsi.WholeSlideImage;
import dev.hipt.wsi.WholeSlideImages;
import java.nio.file.Path;
import org.springframework.stereotype.Component;

/**
 * Validates an upload with the {@code wsi} readers: it must open, its first pixels must decode (a slide whose tiles
 * are broken fails here, not hours later in a job), and its microns per pixel must be known. The native readers meet
 * the file in a child JVM first ({@link ReaderCrashGuard}).
 */
@Component
class WsiSlideInspector implements SlideInspector {

    private static final int PROBE = 64;

    /** Present when {@code hipt.upload.isolate-readers} is on (the default). */
    private final ReaderCrashGuard crashGuard;

    WsiSlideInspector(UploadProperties properties) {
        this.crashGuard = properties.isolateReaders() ? ReaderCrashGuard.forThisJvm(properties.probeTimeout()) : null;
    }

    @Override
    public Inspection inspect(Path file, Double mppOverride) {
        if (crashGuard != null) {
            crashGuard.check(file);
        }
        try (WholeSlideImage image = WholeSlideImages.open(file)) {
            SlideMetadata metadata = image.metadata();
            if (metadata.width() <= 0 || metadata.height() <= 0) {
                throw new SlideException(SlideErrorCode.CORRUPT_SLIDE, "the slide has no pixels");
            }
            try {
                image.readRegion(0, 0, 0, (int) Math.min(PROBE, metadata.width()),
                        (int) Math.min(PROBE, metadata.height()));
            } catch (SlideException e) {
                throw e;
            } catch (RuntimeException e) {
                throw new SlideException(SlideErrorCode.CORRUPT_SLIDE, "the slide's pixels cannot be decoded", e);
            }
            Mpp mpp = MppResolver.resolve(metadata, mppOverride);
            return new Inspection(metadata, mpp.x(), mpp.y(), mpp.source());
        } catch (IllegalArgumentException e) {
            throw new SlideException(SlideErrorCode.UNSUPPORTED_FORMAT, "the upload is not a readable file", e);
        }
    }
}
