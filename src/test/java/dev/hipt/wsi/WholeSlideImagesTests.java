package dev.hipt.wsi;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

class WholeSlideImagesTests {

    @TempDir
    Path tmp;

    @Test
    void opensAperioSlideWithItsMetadata() {
        Fixtures.assumeOpenSlide();
        try (WholeSlideImage slide = WholeSlideImages.open(Fixtures.slide("small_HE.svs"))) {
            SlideMetadata md = slide.metadata();

            assertThat(slide).isInstanceOf(OpenSlideImage.class);
            assertThat(md.vendor()).isEqualTo("aperio");
            assertThat(md.format()).isEqualTo("aperio");
            assertThat(md.width()).isEqualTo(2220);
            assertThat(md.height()).isEqualTo(2967);
            assertThat(md.levels()).containsExactly(new Level(0, 2220, 2967, 1.0));
            assertThat(md.mppX()).isEqualTo(0.499);
            assertThat(md.mppY()).isEqualTo(0.499);
            assertThat(md.objectivePower()).isEqualTo(20.0);
            assertThat(md.properties()).containsEntry("openslide.vendor", "aperio")
                    .containsEntry("aperio.AppMag", "20");
        }
    }

    @Test
    void opensGenericTiledTiffWithFourLevelsAndUnknownMpp() {
        Fixtures.assumeOpenSlide();
        try (WholeSlideImage slide = WholeSlideImages.open(Fixtures.slide("boxes.tiff"))) {
            SlideMetadata md = slide.metadata();

            assertThat(md.vendor()).isEqualTo("generic-tiff");
            assertThat(md.width()).isEqualTo(300);
            assertThat(md.height()).isEqualTo(250);
            assertThat(md.levels()).hasSize(4);
            assertThat(md.levels().get(1).downsample()).isEqualTo(2.0);
            // its resolution tags say 72 dpi (28.35 px/cm): a default, not a microscope's resolution
            assertThat(md.mppX()).isNull();
            assertThatThrownBy(() -> MppResolver.resolve(md, null))
                    .isInstanceOfSatisfying(SlideException.class,
                            e -> assertThat(e.code()).isEqualTo(SlideErrorCode.MPP_UNKNOWN))
                    .hasMessageContaining("pass mpp");
            assertThat(MppResolver.resolve(md, 0.25)).isEqualTo(new Mpp(0.25, 0.25, "request"));
        }
    }

    @Test
    void opensTinyAperioSlide() {
        Fixtures.assumeOpenSlide();
        try (WholeSlideImage slide = WholeSlideImages.open(Fixtures.slide("small.svs"))) {
            assertThat(slide.metadata().width()).isEqualTo(16);
            assertThat(slide.readRegion(0, 0, 0, 16, 16).rgb()).hasSize(16 * 16 * 3);
        }
    }

    @Test
    void opensPlainTiffWithThePureJavaReader() {
        try (WholeSlideImage slide = WholeSlideImages.open(Fixtures.slide("smalltif.tif"))) {
            assertThat(slide).isInstanceOf(ImageIoImage.class);
            assertThat(slide.metadata().format()).isEqualTo("tiff");
            assertThat(slide.metadata().width()).isEqualTo(640);
            assertThat(slide.metadata().height()).isEqualTo(480);
            assertThat(slide.levels()).hasSize(1);
            RgbImage region = slide.readRegion(0, 600, 400, 64, 64);
            assertThat(nonZero(region.rgb(), 0, 40 * 3)).isTrue();
            assertThat(region.rgb()[(63 * 64 + 63) * 3]).as("beyond the image").isZero();
        }
    }

    @Test
    void choosesTheReaderByContentNotByName() throws IOException {
        Path pngNamedSvs = TestImages.png(tmp.resolve("image.svs"), TestImages.pattern(40, 30), null);
        Path tiffNamedJpg = TestImages.tiff(tmp.resolve("image.jpg"), TestImages.pattern(40, 30), null, 2);
        Path jpegNamedPng = TestImages.jpeg(tmp.resolve("image.png"), TestImages.pattern(40, 30));

        try (WholeSlideImage png = WholeSlideImages.open(pngNamedSvs);
             WholeSlideImage tiff = WholeSlideImages.open(tiffNamedJpg);
             WholeSlideImage jpeg = WholeSlideImages.open(jpegNamedPng)) {
            assertThat(png.metadata().format()).isEqualTo("png");
            assertThat(tiff.metadata().format()).isEqualTo("tiff");
            assertThat(jpeg.metadata().format()).isEqualTo("jpeg");
        }
    }

    @Test
    void zeroByteFileIsUnsupported() throws IOException {
        Path empty = Files.createFile(tmp.resolve("empty.svs"));

        assertThat(codeOf(empty)).isEqualTo(SlideErrorCode.UNSUPPORTED_FORMAT);
    }

    @Test
    void nonImageBytesUnderSlideExtensionsAreUnsupported() throws IOException {
        byte[] text = "patient notes, not a slide\n".repeat(100).getBytes(StandardCharsets.UTF_8);
        for (String name : new String[] {"notes.svs", "notes.ndpi", "notes.tiff", "notes.mrxs", "notes.vms"}) {
            Path file = Files.write(tmp.resolve(name), text);

            assertThat(codeOf(file)).as(name).isEqualTo(SlideErrorCode.UNSUPPORTED_FORMAT);
        }
    }

    @Test
    void truncatedSvsIsCorruptWhenOpenedOrRead() throws IOException {
        Path source = Fixtures.slide("small_HE.svs");
        byte[] all = Files.readAllBytes(source);
        for (int length : new int[] {64, 4096, all.length / 4, all.length / 2}) {
            Path truncated = Files.write(tmp.resolve("truncated-" + length + ".svs"), Arrays.copyOf(all, length));

            SlideException e = catchThrowableOfType(SlideException.class, () -> {
                try (WholeSlideImage slide = WholeSlideImages.open(truncated)) {
                    long w = slide.metadata().width();
                    long h = slide.metadata().height();
                    for (long y = 0; y < h; y += 1024) {
                        slide.readRegion(0, 0, y, (int) w, (int) Math.min(1024, h - y));
                    }
                }
            });

            assertThat(e).as("first %d bytes", length).isNotNull();
            assertThat(e.code()).as("first %d bytes: %s", length, e.getMessage())
                    .isEqualTo(SlideErrorCode.CORRUPT_SLIDE);
        }
    }

    @Test
    void tiffOpenSlideRefusesIsATypedError() {
        Path file = Fixtures.slide("unopenable.tiff");

        assertThat(codeOf(file)).isIn(SlideErrorCode.UNSUPPORTED_FORMAT, SlideErrorCode.CORRUPT_SLIDE);
    }

    @Test
    void undecodableSlideOpensThenEveryReadFailsAsCorrupt() {
        Fixtures.assumeOpenSlide();
        try (WholeSlideImage slide = WholeSlideImages.open(Fixtures.slide("unreadable.svs"))) {
            for (int attempt = 0; attempt < 3; attempt++) {
                assertThatThrownBy(() -> slide.readRegion(0, 0, 0, 16, 16))
                        .isInstanceOfSatisfying(SlideException.class,
                                e -> assertThat(e.code()).isEqualTo(SlideErrorCode.CORRUPT_SLIDE));
            }
        }
    }

    @Test
    void missingFileIsAnArgumentError() {
        assertThatThrownBy(() -> WholeSlideImages.open(tmp.resolve("absent.svs")))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void reportsOpenSlideVersionWhenInstalled() {
        Fixtures.assumeOpenSlide();

        assertThat(WholeSlideImages.openSlideVersion()).matches("\\d+\\.\\d+.*");
    }

    private static SlideErrorCode codeOf(Path file) {
        SlideException e = catchThrowableOfType(SlideException.class, () -> {
            try (WholeSlideImage slide = WholeSlideImages.open(file)) {
                slide.readRegion(0, 0, 0, 8, 8);
            }
        });
        assertThat(e).as("opening %s throws SlideException", file.getFileName()).isNotNull();
        return e.code();
    }

    private static boolean nonZero(byte[] bytes, int from, int to) {
        for (int i = from; i < to; i++) {
            if (bytes[i] != 0) {
                return true;
            }
        }
        return false;
    }
}
