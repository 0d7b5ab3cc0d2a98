package dev.hipt.slide;

import dev.hipt.wsi.Level;
import dev.hipt.wsi.Mpp;
import dev.hipt.wsi.MppResolver;
import dev.hipt.wsi.SlideErrorCode;
import dev.hipt.wsi.SlideException;
import dev.hipt.wsi.SlideMetadata;
import dev.hipt.wsi.TissueDetector;
import dev.hipt.wsi.WholeSlideImage;
import dev.hipt.wsi.WholeSlideImages;
import java.nio.file.Path;
import org.springframework.beans.factory.ObjectProvider;
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
    private final TissueDetector tissue;
    private final long maxPixels;
    private final long maxTissueScanPixels;

    WsiSlideInspector(UploadProperties properties, ObjectProvider<TissueDetector> tissue) {
        this.crashGuard = properties.isolateReaders() ? ReaderCrashGuard.forThisJvm(properties.probeTimeout(),
                properties.maxConcurrentProbes()) : null;
        this.tissue = tissue.getIfAvailable(TissueDetector::new);
        this.maxPixels = properties.maxPixels();
        this.maxTissueScanPixels = properties.maxTissueScanPixels();
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
            checkCost(metadata);
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

    /**
     * Bounds what the slide may cost before it is accepted: the pixels it claims, and the pixels tissue detection
     * must read (a small file can claim a huge image without a pyramid, and a worker would read it for hours).
     */
    private void checkCost(SlideMetadata metadata) {
        long pixels = pixels(metadata.width(), metadata.height());
        if (pixels > maxPixels) {
            throw new SlideException(SlideErrorCode.SLIDE_TOO_LARGE, "the slide claims " + metadata.width() + " x "
                    + metadata.height() + " pixels, more than the " + maxPixels + " accepted (hipt.upload.max-pixels)");
        }
        Level scanned = tissue.sourceLevel(metadata.levels());
        if (pixels(scanned.width(), scanned.height()) > maxTissueScanPixels) {
            throw new SlideException(SlideErrorCode.NO_THUMBNAIL_LEVEL, "the slide has no pyramid level small enough"
                    + " for tissue detection: the coarsest usable one is " + scanned.width() + " x "
                    + scanned.height() + " pixels, more than " + maxTissueScanPixels
                    + " (hipt.upload.max-tissue-scan-pixels); store the slide with a pyramid");
        }
    }

    private static long pixels(long width, long height) {
        try {
            return Math.multiplyExact(width, height);
        } catch (ArithmeticException e) {
            return Long.MAX_VALUE;
        }
    }
}
