package dev.hipt.job;

import dev.hipt.wsi.Region;
import dev.hipt.wsi.RgbImage;
import dev.hipt.wsi.SlideErrorCode;
import dev.hipt.wsi.SlideException;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Slides made up by tests, keyed by blob key. Each slide has a small tag; a region's pixels carry the tag and the
 * region index (bytes 0 and 1), so {@link FakeInference} knows which region it encodes.
 */
final class FakeSlides implements SlideSource {

    static final int SIDE = 16;

    private final AtomicInteger tags = new AtomicInteger();
    private final Map<String, Slide> slides = new ConcurrentHashMap<>();

    /** A slide whose region grid has {@code regions} regions. */
    Slide add(int regions) {
        int tag = tags.incrementAndGet();
        if (tag > 255) {
            throw new IllegalStateException("too many fake slides");
        }
        Slide slide = new Slide(tag, "fake/" + tag, regions);
        slides.put(slide.blobKey, slide);
        return slide;
    }

    @Override
    public OpenedSlide open(AnalysisRequest request, JobControl control) throws IOException {
        Slide slide = slides.get(request.blobKey());
        if (slide == null) {
            throw new SlideException(SlideErrorCode.UNSUPPORTED_FORMAT, "no such fake slide " + request.blobKey());
        }
        slide.opens.incrementAndGet();
        Exception failure = slide.openFailures.poll();
        if (failure instanceof IOException io) {
            throw io;
        }
        if (failure instanceof RuntimeException runtime) {
            throw runtime;
        }
        List<Region> regions = new ArrayList<>();
        for (int i = 0; i < slide.regions; i++) {
            regions.add(new Region(i, (long) i * 4096, 0, 4096, 4096, 0.5));
        }
        return new OpenedSlide() {
            @Override
            public List<Region> regions() {
                return regions;
            }

            @Override
            public RgbImage read(Region region) {
                RuntimeException readFailure = slide.readFailures.get(region.index());
                if (readFailure != null) {
                    throw readFailure;
                }
                RgbImage image = RgbImage.black(SIDE, SIDE);
                image.rgb()[0] = (byte) slide.tag;
                image.rgb()[1] = (byte) region.index();
                return image;
            }

            @Override
            public void close() {
            }
        };
    }

    static final class Slide {
        final int tag;
        final String blobKey;
        final int regions;
        final AtomicInteger opens = new AtomicInteger();
        final Queue<Exception> openFailures = new ConcurrentLinkedQueue<>();
        final Map<Integer, RuntimeException> readFailures = new ConcurrentHashMap<>();

        Slide(int tag, String blobKey, int regions) {
            this.tag = tag;
            this.blobKey = blobKey;
            this.regions = regions;
        }

        /** The next opens fail with these, in order. */
        Slide failOpen(Exception... failures) {
            openFailures.addAll(List.of(failures));
            return this;
        }

        /** Reading region {@code index} fails with {@code failure}. */
        Slide failRead(int index, RuntimeException failure) {
            readFailures.put(index, failure);
            return this;
        }

        /** A slide that can never be opened: the same failure every time. */
        Slide alwaysFailOpen(Exception failure) {
            for (int i = 0; i < 50; i++) {
                openFailures.add(failure);
            }
            return this;
        }
    }
}
