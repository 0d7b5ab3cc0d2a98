package dev.hipt.wsi;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class OpenSlideImageTests {

    @Test
    void concurrentReadsOnOneHandleGiveTheSamePixelsAsSequentialReads() throws Exception {
        Fixtures.assumeOpenSlide();
        long[][] spots = {{0, 0}, {700, 900}, {1500, 2500}, {2000, 100}, {333, 1777}, {1900, 2700}, {-100, -50}};
        try (WholeSlideImage slide = WholeSlideImages.open(Fixtures.slide("small_HE.svs"))) {
            List<byte[]> expected = new ArrayList<>();
            for (long[] s : spots) {
                expected.add(slide.readRegion(0, s[0], s[1], 400, 300).rgb());
            }
            ExecutorService pool = Executors.newFixedThreadPool(8);
            try {
                List<Future<Boolean>> results = new ArrayList<>();
                for (int t = 0; t < 32; t++) {
                    int offset = t;
                    results.add(pool.submit(() -> {
                        boolean same = true;
                        for (int i = 0; i < spots.length; i++) {
                            int k = (i + offset) % spots.length;
                            byte[] rgb = slide.readRegion(0, spots[k][0], spots[k][1], 400, 300).rgb();
                            same &= Arrays.equals(rgb, expected.get(k));
                        }
                        return same;
                    }));
                }
                for (Future<Boolean> result : results) {
                    assertThat(result.get()).isTrue();
                }
            } finally {
                pool.shutdown();
            }
        }
    }

    @Test
    void largeReadsGoInStripsAndMatchSmallReads() {
        Fixtures.assumeOpenSlide();
        try (WholeSlideImage slide = WholeSlideImages.open(Fixtures.slide("small_HE.svs"))) {
            // 2220 x 2000 > one native read: several strips
            assertThat(2220L * 2000).isGreaterThan(OpenSlideImage.MAX_PIXELS_PER_NATIVE_READ);
            byte[] whole = slide.readRegion(0, 0, 0, 2220, 2000).rgb();
            byte[] part = slide.readRegion(0, 0, 1990, 2220, 10).rgb();

            assertThat(Arrays.copyOfRange(whole, 1990 * 2220 * 3, 2000 * 2220 * 3)).isEqualTo(part);
        }
    }

    @Test
    void convertsPremultipliedArgbAsPilDoes() {
        int[] argb = {
            0xff102030,  // opaque: as is
            0x00000000,  // transparent: black
            0x80402010,  // half alpha: un-premultiplied 255 * c / a
        };
        byte[] black = new byte[9];
        byte[] white = new byte[9];

        OpenSlideImage.toRgb(argb, 3, black, 0, false);
        OpenSlideImage.toRgb(argb, 3, white, 0, true);

        assertThat(unsigned(black)).containsExactly(0x10, 0x20, 0x30, 0, 0, 0,
                255 * 0x40 / 0x80, 255 * 0x20 / 0x80, 255 * 0x10 / 0x80);
        assertThat(unsigned(white)).containsExactly(0x10, 0x20, 0x30, 255, 255, 255,
                0x40 + 0x7f, 0x20 + 0x7f, 0x10 + 0x7f);
    }

    @Test
    void closedSlideRefusesReadsAndClosesOnce() {
        Fixtures.assumeOpenSlide();
        WholeSlideImage slide = WholeSlideImages.open(Fixtures.slide("small.svs"));
        slide.close();
        slide.close();

        assertThatThrownBy(() -> slide.readRegion(0, 0, 0, 4, 4)).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void forgottenSlidesAreReleasedByTheCleaner() {
        Fixtures.assumeOpenSlide();
        int before = OpenSlideImage.openHandles();
        for (int i = 0; i < 20; i++) {
            WholeSlideImages.open(Fixtures.slide("small.svs")).readRegion(0, 0, 0, 8, 8);
        }
        assertThat(OpenSlideImage.openHandles()).isGreaterThan(before);

        await().atMost(Duration.ofSeconds(20)).until(() -> {
            System.gc();
            return OpenSlideImage.openHandles() <= before;
        });
    }

    @Test
    void closeReleasesTheHandleAtOnce() {
        Fixtures.assumeOpenSlide();
        OpenSlideImage slide = (OpenSlideImage) WholeSlideImages.open(Fixtures.slide("small.svs"));
        assertThat(slide.released()).isFalse();

        slide.close();

        assertThat(slide.released()).isTrue();
    }

    @Test
    void outOfRangeLevelIsAnArgumentError() {
        Fixtures.assumeOpenSlide();
        try (WholeSlideImage slide = WholeSlideImages.open(Fixtures.slide("boxes.tiff"))) {
            assertThatThrownBy(() -> slide.readRegion(4, 0, 0, 4, 4)).isInstanceOf(IllegalArgumentException.class);
            assertThat(slide.readRegion(3, 0, 0, 37, 31).width()).isEqualTo(37);
        }
    }

    private static int[] unsigned(byte[] bytes) {
        int[] out = new int[bytes.length];
        for (int i = 0; i < bytes.length; i++) {
            out[i] = bytes[i] & 0xff;
        }
        return out;
    }
}
