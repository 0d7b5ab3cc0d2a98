package dev.hipt.wsi;

import org.junit.jupiter.api.Test;

import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

class RegionReaderTests {

    private static Mpp mpp(double value) {
        return new Mpp(value, value, Mpp.FROM_REQUEST);
    }

    @Test
    void footprintIsRegionSizeAtTargetTwiceAtHalfTargetAndScaledOtherwise() {
        RegionReader reader = new RegionReader();

        assertThat(reader.level0Footprint(mpp(0.5))).isEqualTo(4096);
        assertThat(reader.level0Footprint(mpp(0.499))).isEqualTo(4096);
        assertThat(reader.level0Footprint(mpp(0.54))).isEqualTo(4096);
        assertThat(reader.level0Footprint(mpp(0.25))).isEqualTo(8192);
        assertThat(reader.level0Footprint(mpp(0.263))).isEqualTo(8192);
        assertThat(reader.level0Footprint(mpp(1.0))).isEqualTo(2048);
        assertThat(reader.level0Footprint(mpp(0.3))).isEqualTo(Math.round(4096 * 0.5 / 0.3));
        assertThat(reader.level0Footprint(mpp(0.125))).isEqualTo(16384);
    }

    @Test
    void readsLevelZeroAsItIsNearTheTarget() {
        SyntheticSlide slide = new SyntheticSlide(300, 200, 1);
        RegionReader reader = new RegionReader(new ReadOptions(0.5, 64, false));

        RgbImage region = reader.read(slide, mpp(0.46), 100, 50);

        assertThat(region.rgb()).isEqualTo(slide.readRegion(0, 100, 50, 64, 64).rgb());
    }

    @Test
    void fortyXScanIsAveragedTwoByTwo() {
        SyntheticSlide slide = new SyntheticSlide(4000, 5000, 1);
        // large enough that the 2x2 path goes in several strips
        int size = 2048;
        RegionReader reader = new RegionReader(new ReadOptions(0.5, size, false));

        RgbImage region = reader.read(slide, mpp(0.25), 40, 30);

        assertThat(region.width()).isEqualTo(size);
        for (int[] p : new int[][] {{0, 0}, {1, 0}, {17, 923}, {1500, 1000}, {1979, size - 1}, {700, 1364}}) {
            for (int c = 0; c < 3; c++) {
                long x = 40 + 2L * p[0];
                long y = 30 + 2L * p[1];
                int sum = SyntheticSlide.channel(x, y, c) + SyntheticSlide.channel(x + 1, y, c)
                        + SyntheticSlide.channel(x, y + 1, c) + SyntheticSlide.channel(x + 1, y + 1, c);
                assertThat(value(region, p[0], p[1], c)).as("pixel %d,%d channel %d", p[0], p[1], c)
                        .isEqualTo((sum + 2) / 4);
            }
        }
        // pixels beyond the slide (level-0 x >= 4000) are black
        assertThat(value(region, size - 1, 0, 0)).isZero();
        assertThat(value(region, 1979, 0, 0)).as("level-0 x 3998..3999 is inside").isNotZero();
    }

    @Test
    void fortyXPngWithMppOverrideIsAveragedTwoByTwo(@TempDir Path tmp) throws IOException {
        Path file = TestImages.png(tmp.resolve("forty.png"), TestImages.pattern(64, 64), null);
        RegionReader reader = new RegionReader(new ReadOptions(0.5, 32, false));
        try (WholeSlideImage slide = WholeSlideImages.open(file)) {
            Mpp mpp = MppResolver.resolve(slide.metadata(), 0.25);

            RgbImage region = reader.read(slide, mpp, 0, 0);

            assertThat(region.width()).isEqualTo(32);
            for (int y = 0; y < 32; y++) {
                for (int x = 0; x < 32; x++) {
                    for (int c = 0; c < 3; c++) {
                        int sum = px(2 * x, 2 * y, c) + px(2 * x + 1, 2 * y, c) + px(2 * x, 2 * y + 1, c)
                                + px(2 * x + 1, 2 * y + 1, c);
                        assertThat(value(region, x, y, c)).isEqualTo((sum + 2) / 4);
                    }
                }
            }
        }
    }

    @Test
    void fortyXReadKeepsEachSourceReadFarBelowTheFootprint() {
        SyntheticSlide slide = new SyntheticSlide(9000, 9000, 1);
        RegionReader reader = new RegionReader();

        reader.read(slide, mpp(0.25), 0, 0);

        assertThat(slide.largestReadPixels.get()).isLessThanOrEqualTo(8192L * 8192 / 8);
    }

    @Test
    void eightyXScanIsAreaAveragedFourByFour() {
        SyntheticSlide slide = new SyntheticSlide(2000, 2000, 1);
        RegionReader reader = new RegionReader(new ReadOptions(0.5, 256, false));

        RgbImage region = reader.read(slide, mpp(0.125), 8, 4);

        for (int[] p : new int[][] {{0, 0}, {5, 9}, {100, 200}, {255, 255}}) {
            for (int c = 0; c < 3; c++) {
                int sum = 0;
                for (int dy = 0; dy < 4; dy++) {
                    for (int dx = 0; dx < 4; dx++) {
                        sum += SyntheticSlide.channel(8 + 4L * p[0] + dx, 4 + 4L * p[1] + dy, c);
                    }
                }
                assertThat(value(region, p[0], p[1], c)).isEqualTo((sum + 8) / 16);
            }
        }
    }

    @Test
    void coarserScanIsEnlargedBilinearly() {
        SyntheticSlide slide = new SyntheticSlide(500, 500, 1);
        RegionReader reader = new RegionReader(new ReadOptions(0.5, 128, false));

        RgbImage region = reader.read(slide, mpp(1.0), 100, 100);

        // output pixel o samples source position (o + 0.5) / 2 - 0.5 from the region's corner
        for (int[] p : new int[][] {{10, 10}, {11, 40}, {63, 64}, {100, 7}}) {
            double sx = (p[0] + 0.5) / 2 - 0.5;
            double sy = (p[1] + 0.5) / 2 - 0.5;
            int x0 = (int) Math.floor(sx);
            int y0 = (int) Math.floor(sy);
            double fx = sx - x0;
            double fy = sy - y0;
            for (int c = 0; c < 3; c++) {
                double expected = (1 - fy) * ((1 - fx) * px(100 + x0, 100 + y0, c) + fx * px(101 + x0, 100 + y0, c))
                        + fy * ((1 - fx) * px(100 + x0, 101 + y0, c) + fx * px(101 + x0, 101 + y0, c));
                assertThat((double) value(region, p[0], p[1], c)).isCloseTo(expected, within(0.51));
            }
        }
    }

    @Test
    void resamplesFromTheCoarsestLevelThatIsStillFinerThanTheTarget() {
        RegionReader reader = new RegionReader();
        List<Level> levels = new SyntheticSlide(100000, 80000, 4).levels();
        List<Level> boxes = List.of(new Level(0, 300, 250, 1), new Level(1, 150, 125, 2),
                new Level(2, 75, 62, 4.016129032258064), new Level(3, 37, 31, 8.086312118570184));

        assertThat(reader.plan(mpp(0.125), levels).level()).isEqualTo(2);
        assertThat(reader.plan(mpp(0.2), levels).level()).isEqualTo(1);
        assertThat(reader.plan(mpp(0.0625), levels).level()).isEqualTo(3);
        assertThat(reader.plan(mpp(1.0), levels).level()).isZero();
        assertThat(reader.plan(mpp(0.125), boxes).level()).as("level 2 would be 0.502 um/px, coarser").isEqualTo(1);
        assertThat(reader.plan(mpp(0.5), levels).mode()).isEqualTo(RegionReader.Mode.AS_IS);
        assertThat(reader.plan(mpp(0.25), levels).mode()).isEqualTo(RegionReader.Mode.HALVE);
        assertThat(reader.plan(mpp(0.125), levels).mode()).isEqualTo(RegionReader.Mode.RESAMPLE);
    }

    @Test
    void readsAnExactLevelOneToOneWhenItMatchesTheTarget() {
        SyntheticSlide slide = new SyntheticSlide(4000, 4000, 3);
        RegionReader reader = new RegionReader(new ReadOptions(0.5, 100, false));

        RgbImage region = reader.read(slide, mpp(0.125), 400, 800);

        assertThat(region.rgb()).isEqualTo(slide.readRegion(2, 400, 800, 100, 100).rgb());
    }

    @Test
    void resamplesFromAnOpenSlidePyramidLevel() {
        Fixtures.assumeOpenSlide();
        try (WholeSlideImage slide = WholeSlideImages.open(Fixtures.slide("boxes.tiff"))) {
            RegionReader reader = new RegionReader(new ReadOptions(0.5, 32, false));
            Mpp mpp = MppResolver.resolve(slide.metadata(), 0.125);
            assertThat(reader.plan(mpp, slide.levels()).level()).isEqualTo(1);

            RgbImage region = reader.read(slide, mpp, 64, 32);

            // level 1 is 0.25 um/px: each output pixel is the mean of 2 x 2 level-1 pixels
            RgbImage level1 = slide.readRegion(1, 64, 32, 64, 64);
            for (int y = 0; y < 32; y++) {
                for (int x = 0; x < 32; x++) {
                    for (int c = 0; c < 3; c++) {
                        int sum = value(level1, 2 * x, 2 * y, c) + value(level1, 2 * x + 1, 2 * y, c)
                                + value(level1, 2 * x, 2 * y + 1, c) + value(level1, 2 * x + 1, 2 * y + 1, c);
                        assertThat(value(region, x, y, c)).isEqualTo((sum + 2) / 4);
                    }
                }
            }
        }
    }

    @Test
    void fillsOutsideTheSlideWithWhiteOnRequest() {
        SyntheticSlide slide = new SyntheticSlide(100, 100, 1);
        RgbImage black = new RegionReader(new ReadOptions(0.5, 64, false)).read(slide, mpp(0.5), 60, -10);
        RgbImage white = new RegionReader(new ReadOptions(0.5, 64, true)).read(slide, mpp(0.5), 60, -10);

        assertThat(value(black, 50, 30, 0)).isZero();
        assertThat(value(white, 50, 30, 0)).isEqualTo(255);
        assertThat(value(white, 5, 5, 1)).isEqualTo(255);
        assertThat(value(white, 10, 20, 2)).isEqualTo(value(black, 10, 20, 2)).isEqualTo(px(70, 10, 2));
    }

    @Test
    void fillsOutsideAnOpenSlideSlideWithWhiteOnRequest() {
        Fixtures.assumeOpenSlide();
        try (WholeSlideImage slide = WholeSlideImages.open(Fixtures.slide("small_HE.svs"))) {
            Mpp mpp = MppResolver.resolve(slide.metadata(), null);
            RgbImage black = new RegionReader(new ReadOptions(0.5, 256, false)).read(slide, mpp, 2100, 2900);
            RgbImage white = new RegionReader(new ReadOptions(0.5, 256, true)).read(slide, mpp, 2100, 2900);

            assertThat(value(black, 200, 200, 0)).isZero();
            assertThat(value(white, 200, 200, 0)).isEqualTo(255);
            assertThat(value(white, 10, 10, 1)).isEqualTo(value(black, 10, 10, 1));
        }
    }

    private static int px(long x, long y, int c) {
        return SyntheticSlide.channel(x, y, c);
    }

    private static int value(RgbImage image, int x, int y, int c) {
        return image.rgb()[(y * image.width() + x) * 3 + c] & 0xff;
    }
}
