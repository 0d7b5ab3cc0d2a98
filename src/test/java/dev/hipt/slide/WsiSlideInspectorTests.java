package dev.hipt.slide;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.hipt.wsi.RepeatedTileTiff;
import dev.hipt.wsi.SlideErrorCode;
import dev.hipt.wsi.SlideException;
import dev.hipt.wsi.TissueDetector;
import dev.hipt.wsi.WholeSlideImages;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.beans.factory.support.StaticListableBeanFactory;
import org.springframework.util.unit.DataSize;

class WsiSlideInspectorTests {

    private static final Path SLIDES = Path.of(System.getProperty("hipt.shared.dir", "../shared"), "fixtures",
            "slides");
    private static final int PINK = 0xC86496;

    @TempDir
    Path dir;

    @BeforeEach
    void needsOpenSlide() {
        assumeTrue(WholeSlideImages.openSlideAvailable(), "libopenslide0 not installed: skipping tiled TIFFs");
    }

    private static WsiSlideInspector inspector(long maxPixels, long maxTissueScanPixels) {
        UploadProperties properties = new UploadProperties(DataSize.ofGigabytes(20), Duration.ofHours(24), false,
                Duration.ofSeconds(60), 2, maxPixels, maxTissueScanPixels);
        return new WsiSlideInspector(properties,
                new StaticListableBeanFactory().getBeanProvider(TissueDetector.class));
    }

    @Test
    void refusesATiffClaimingMorePixelsThanAccepted() throws IOException {
        Path tiff = RepeatedTileTiff.write(dir.resolve("huge.tiff"), 1_000_000, 1_000_000, 4096, PINK);
        assertThat(Files.size(tiff)).isLessThan(1024 * 1024);

        assertThatThrownBy(() -> inspector(100_000_000_000L, 2_000_000_000L).inspect(tiff, 0.5))
                .isInstanceOfSatisfying(SlideException.class,
                        e -> assertThat(e.code()).isEqualTo(SlideErrorCode.SLIDE_TOO_LARGE))
                .hasMessageContaining("1000000 x 1000000")
                .hasMessageContaining("hipt.upload.max-pixels");
    }

    @Test
    void refusesALargeImageWithoutAPyramidLevelSmallEnoughForTissueDetection() throws IOException {
        // 10^10 pixels is a plausible slide size, but without a pyramid tissue detection would read all of them
        Path tiff = RepeatedTileTiff.write(dir.resolve("flat.tiff"), 100_000, 100_000, 4096, PINK);

        assertThatThrownBy(() -> inspector(100_000_000_000L, 2_000_000_000L).inspect(tiff, 0.5))
                .isInstanceOfSatisfying(SlideException.class,
                        e -> assertThat(e.code()).isEqualTo(SlideErrorCode.NO_THUMBNAIL_LEVEL))
                .hasMessageContaining("hipt.upload.max-tissue-scan-pixels");
    }

    @Test
    void acceptsAFlatImageWithinTheLimitsAndARealPyramidalSlide() throws IOException {
        Path tiff = RepeatedTileTiff.write(dir.resolve("flat.tiff"), 20_000, 20_000, 4096, PINK);
        assertThat(inspector(100_000_000_000L, 2_000_000_000L).inspect(tiff, 0.5).metadata().width())
                .isEqualTo(20_000);

        Path boxes = SLIDES.resolve("boxes.tiff");
        assumeTrue(Files.isRegularFile(boxes), boxes + " absent: skipping the real pyramid");
        // 300 x 250 at level 0, but tissue detection reads its 37 x 31 level: the limit applies to that one
        assertThat(inspector(100_000_000_000L, 10_000L).inspect(boxes, 0.5).metadata().width()).isEqualTo(300);
    }
}
