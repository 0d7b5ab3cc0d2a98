package dev.hipt.job;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.hipt.storage.LocalBlobStore;
import dev.hipt.wsi.RegionReader;
import dev.hipt.wsi.RepeatedTileTiff;
import dev.hipt.wsi.TissueDetector;
import dev.hipt.wsi.WholeSlideImages;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.beans.factory.support.StaticListableBeanFactory;

class WsiSlideSourceTests {

    @TempDir
    Path dir;

    /** Cancelled once the scan has passed a few of its checkpoints, as a cancel arriving mid-scan would. */
    private static final class CancelledMidScan implements JobControl {

        final AtomicInteger checkpoints = new AtomicInteger();
        private final UUID jobId = UUID.randomUUID();

        @Override
        public UUID jobId() {
            return jobId;
        }

        @Override
        public void planned(int reused, int dropped) {
        }

        @Override
        public void progress(int done, int total) {
        }

        @Override
        public void checkpoint() {
            if (checkpoints.incrementAndGet() > 3) {
                throw new AnalysisStopped(AnalysisStopped.Reason.CANCELLED, "cancel requested");
            }
        }
    }

    @Test
    void cancelStopsTissueDetectionOfAHugeSlideWithoutPyramidWithinSeconds() throws Exception {
        assumeTrue(WholeSlideImages.openSlideAvailable(), "libopenslide0 not installed: skipping the tiled TIFF");
        LocalBlobStore blobs = new LocalBlobStore(dir.resolve("blobs"));
        // accepted before the upload limits existed: tissue detection reads 10^12 pixels, for hours
        Path tiff = RepeatedTileTiff.write(dir.resolve("huge.tiff"), 1_000_000, 1_000_000, 4096, 0xC86496);
        blobs.putFile("slides/huge/huge.tiff", tiff);
        StaticListableBeanFactory beans = new StaticListableBeanFactory();
        WsiSlideSource source = new WsiSlideSource(blobs, beans.getBeanProvider(TissueDetector.class),
                beans.getBeanProvider(RegionReader.class), properties());
        CancelledMidScan control = new CancelledMidScan();

        CompletableFuture<Object> opened = CompletableFuture.supplyAsync(() -> {
            try {
                return source.open(new AnalysisRequest(UUID.randomUUID(), "slides/huge/huge.tiff", 0.5), control);
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
        });

        try {
            opened.get(20, TimeUnit.SECONDS);
            fail("a 10^6 x 10^6 slide cannot be planned");
        } catch (ExecutionException e) {
            assertThat(e.getCause()).isInstanceOfSatisfying(AnalysisStopped.class,
                    stopped -> assertThat(stopped.reason()).isEqualTo(AnalysisStopped.Reason.CANCELLED));
        } catch (TimeoutException e) {
            fail("tissue detection went on reading for 20 s after the job was cancelled ("
                    + control.checkpoints.get() + " checkpoints)");
        }
        assertThat(control.checkpoints.get()).isEqualTo(4);
    }

    private static JobProperties properties() {
        return new JobProperties(1, 1, 1, 1, 0, 100, Duration.ofSeconds(30), 3, Duration.ofSeconds(1),
                Duration.ofSeconds(10), 6, Duration.ofSeconds(2), Duration.ofSeconds(30));
    }
}
