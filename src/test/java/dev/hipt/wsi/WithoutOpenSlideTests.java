package dev.hipt.wsi;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Behaviour on a machine without libopenslide: a clear message, and plain images still open. */
class WithoutOpenSlideTests {

    @TempDir
    Path tmp;

    @Test
    void missingLibrarySaysWhatToInstall() {
        OpenSlideLibrary.Holder.Loaded loaded = OpenSlideLibrary.Holder.load(List.of("libno-such-openslide.so.9"));

        assertThat(loaded.library()).isNull();
        assertThat(loaded.failure()).contains("libopenslide0");
    }

    @Test
    void plainImagesStillOpen() throws IOException {
        Path png = TestImages.png(tmp.resolve("a.png"), TestImages.pattern(8, 8), null);
        Path tiff = TestImages.tiff(tmp.resolve("a.tif"), TestImages.pattern(8, 8), null, 2);

        try (WholeSlideImage a = WholeSlideImages.open(png, false);
             WholeSlideImage b = WholeSlideImages.open(tiff, false)) {
            assertThat(a.metadata().format()).isEqualTo("png");
            assertThat(b.metadata().format()).isEqualTo("tiff");
        }
    }

    @Test
    void tiledSlidesAskForOpenSlide() {
        for (String name : new String[] {"boxes.tiff", "small_HE.svs"}) {
            Path file = Fixtures.slide(name);

            assertThatThrownBy(() -> WholeSlideImages.open(file, false))
                    .isInstanceOfSatisfying(SlideException.class,
                            e -> assertThat(e.code()).isEqualTo(SlideErrorCode.UNSUPPORTED_FORMAT))
                    .hasMessageContaining("libopenslide0");
        }
    }
}
