package dev.hipt.training.pretraining;

import dev.hipt.wsi.RgbImage;
import org.junit.jupiter.api.Test;

import java.util.SplittableRandom;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

class ImageAugmentationTests {

    private static final MultiCropSettings SMALL = new MultiCropSettings(32, 0.4, 1.0, 3, 16, 0.05, 0.4, 0);

    @Test
    void makesTwoGlobalAndTheLocalViewsOfTheConfiguredSizesInTheNormalisedRange() {
        ImageAugmentation augmentation = new ImageAugmentation(SMALL, ImageAugmentation.HIPT_MEAN,
                ImageAugmentation.HIPT_STD);

        CropViews views = augmentation.views(patch(1), new SplittableRandom(3));

        assertThat(views.globals()).hasSize(2).allSatisfy(v -> assertThat(v).hasSize(3 * 32 * 32));
        assertThat(views.locals()).hasSize(3).allSatisfy(v -> assertThat(v).hasSize(3 * 16 * 16));
        assertThat(views.globalSide()).isEqualTo(32);
        assertThat(views.localSide()).isEqualTo(16);
        assertThat(views.channels()).isEqualTo(3);
        // (x - 0.5) / 0.5 of x in [0, 1]
        for (float[] v : views.globals()) {
            for (float f : v) {
                assertThat(f).isBetween(-1f, 1f);
            }
        }
        // not all the same value: the patch's texture survives
        float[] first = views.globals().get(0);
        assertThat(max(first) - min(first)).isGreaterThan(0.1f);
    }

    @Test
    void theSameSeedGivesTheSameViewsAndAnotherSeedOthers() {
        ImageAugmentation augmentation = new ImageAugmentation(SMALL, ImageAugmentation.HIPT_MEAN,
                ImageAugmentation.HIPT_STD);
        RgbImage patch = patch(2);

        CropViews a = augmentation.views(patch, new SplittableRandom(11));
        CropViews b = augmentation.views(patch, new SplittableRandom(11));
        CropViews c = augmentation.views(patch, new SplittableRandom(12));

        for (int i = 0; i < 2; i++) {
            assertThat(a.globals().get(i)).isEqualTo(b.globals().get(i));
        }
        for (int i = 0; i < 3; i++) {
            assertThat(a.locals().get(i)).isEqualTo(b.locals().get(i));
        }
        assertThat(a.globals().get(0)).isNotEqualTo(c.globals().get(0));
    }

    @Test
    void randomResizedCropBoxesFitTheImageAndTakeTheirScaleOfTheArea() {
        SplittableRandom random = new SplittableRandom(5);
        for (int i = 0; i < 2000; i++) {
            int[] box = ImageAugmentation.cropBox(256, 256, 0.05, 0.4, random);
            int top = box[0];
            int left = box[1];
            int h = box[2];
            int w = box[3];
            assertThat(top).isBetween(0, 256 - h);
            assertThat(left).isBetween(0, 256 - w);
            double share = (double) w * h / (256 * 256);
            // rounding w and h to whole pixels moves the share a little
            assertThat(share).isBetween(0.045, 0.41);
            assertThat((double) w / h).isBetween(0.74, 1.36);
        }
    }

    @Test
    void bicubicTapsAreThoseOfPillowsAntialiasedFilter() {
        // 4 -> 2 pixels: scale 2, support 4; first output centre 1.0; weights cubic((k - 0.5) / 2), a = -0.5,
        // at -0.25, 0.25, 0.75, 1.25 = 0.8671875, 0.8671875, 0.2265625, -0.0703125, normalised by their sum 1.890625
        ImageAugmentation.Taps taps = ImageAugmentation.Taps.bicubic(4, 2);

        assertThat(taps.first()[0]).isZero();
        assertThat(taps.weights()[0]).containsExactly(new double[] {0.8671875 / 1.890625, 0.8671875 / 1.890625,
                0.2265625 / 1.890625, -0.0703125 / 1.890625}, within(1e-12));
    }

    @Test
    void resizedCropMatchesTorchsAntialiasedBicubicOnAHandCheckedImage() {
        // An 8 x 8 ramp v(x, y) = (x + 8 y) / 63 cropped at (left 1, top 2, 6 x 5) and resized to 3 x 3. Expected
        // values from torch 1.13 by hand: F.interpolate(crop, size=(3, 3), mode='bicubic', antialias=True,
        // align_corners=False), whose antialiased bicubic is Pillow's (a = -0.5), on the same float crop.
        float[][] src = new float[3][64];
        for (int i = 0; i < 64; i++) {
            src[0][i] = i / 63f;
            src[1][i] = 1 - i / 63f;
            src[2][i] = 0.5f;
        }

        float[][] out = ImageAugmentation.resizedCrop(src, 8, 1, 2, 6, 5, 3);

        float[] expectedRed = {0.32340801f, 0.35445672f, 0.38550538f, 0.53244352f, 0.56349206f, 0.59454083f,
                0.74147874f, 0.77252740f, 0.80357611f};
        assertThat(out[0]).containsExactly(expectedRed, within(1e-5f));
        for (int i = 0; i < 9; i++) {
            assertThat(out[1][i]).isCloseTo(1 - expectedRed[i], within(1e-5f));
            assertThat(out[2][i]).isCloseTo(0.5f, within(1e-6f));
        }
    }

    @Test
    void colourOperationsDoWhatTorchvisionsDo() {
        float[][] red = {{1f}, {0f}, {0f}};
        ImageAugmentation.hue(red, 1.0 / 3.0);
        assertThat(new float[] {red[0][0], red[1][0], red[2][0]}).containsExactly(new float[] {0f, 1f, 0f},
                within(1e-6f));

        float[][] colour = {{0.8f, 0.2f}, {0.3f, 0.6f}, {0.5f, 0.1f}};
        float[][] same = {colour[0].clone(), colour[1].clone(), colour[2].clone()};
        ImageAugmentation.hue(same, 0);
        for (int c = 0; c < 3; c++) {
            assertThat(same[c]).containsExactly(colour[c], within(1e-6f));
        }

        float[][] gray = {{1f}, {0f}, {0f}};
        ImageAugmentation.grayscale(gray);
        assertThat(gray[0][0]).isCloseTo(0.2989f, within(1e-6f));
        assertThat(gray[2][0]).isCloseTo(0.2989f, within(1e-6f));

        float[][] flat = {{0.8f, 0.2f}, {0.3f, 0.6f}, {0.5f, 0.1f}};
        ImageAugmentation.contrast(flat, 0);
        double mean = (0.2989 * 0.8 + 0.587 * 0.3 + 0.114 * 0.5 + 0.2989 * 0.2 + 0.587 * 0.6 + 0.114 * 0.1) / 2;
        assertThat(flat[0][0]).isCloseTo((float) mean, within(1e-6f));
        assertThat(flat[1][1]).isCloseTo((float) mean, within(1e-6f));

        float[][] bright = {{0.8f}, {0.3f}, {0.5f}};
        ImageAugmentation.brightness(bright, 1.4);
        assertThat(bright[0][0]).isEqualTo(1f);
        assertThat(bright[1][0]).isCloseTo(0.42f, within(1e-6f));

        float[][] solar = {{127f / 255f}, {128f / 255f}, {1f}};
        ImageAugmentation.solarize(solar);
        assertThat(solar[0][0]).isEqualTo(127f / 255f);
        assertThat(solar[1][0]).isCloseTo(127f / 255f, within(1e-6f));
        assertThat(solar[2][0]).isZero();
    }

    @Test
    void gaussianBlurKeepsAConstantAndSpreadsAnImpulse() {
        float[] constant = new float[25];
        java.util.Arrays.fill(constant, 0.3f);
        assertThat(ImageAugmentation.gaussianBlur(constant, 5, 5, 1.5)).containsOnly(0.3f);

        float[] impulse = new float[81];
        impulse[40] = 1f;
        float[] blurred = ImageAugmentation.gaussianBlur(impulse, 9, 9, 1.0);
        double g0 = 1;
        double g1 = Math.exp(-0.5);
        double norm = 0;
        for (int k = -3; k <= 3; k++) {
            norm += Math.exp(-k * k / 2.0);
        }
        assertThat(blurred[40]).isCloseTo((float) (g0 * g0 / (norm * norm)), within(1e-6f));
        assertThat(blurred[41]).isCloseTo((float) (g0 * g1 / (norm * norm)), within(1e-6f));
        double total = 0;
        for (float f : blurred) {
            total += f;
        }
        assertThat(total).isCloseTo(1.0, within(1e-5));
    }

    @Test
    void imagenetNormalisationUsesDinosMeanAndStd() {
        MultiCropSettings noLocals = new MultiCropSettings(8, 1.0, 1.0, 0, 8, 0.05, 0.4, 0);
        ImageAugmentation augmentation = new ImageAugmentation(noLocals, ImageAugmentation.IMAGENET_MEAN,
                ImageAugmentation.IMAGENET_STD);
        byte[] black = new byte[8 * 8 * 3];
        CropViews views = augmentation.views(new RgbImage(8, 8, black), new SplittableRandom(1));
        // a black patch stays black through every step except solarisation (black is below the threshold)
        float[] v = views.globals().get(0);
        assertThat(v[0]).isCloseTo(-0.485f / 0.229f, within(1e-5f));
        assertThat(v[64]).isCloseTo(-0.456f / 0.224f, within(1e-5f));
        assertThat(v[128]).isCloseTo(-0.406f / 0.225f, within(1e-5f));
    }

    /** A 256 x 256 patch with a colour texture that depends on {@code n}. */
    static RgbImage patch(int n) {
        byte[] rgb = new byte[256 * 256 * 3];
        for (int y = 0; y < 256; y++) {
            for (int x = 0; x < 256; x++) {
                int i = (y * 256 + x) * 3;
                rgb[i] = (byte) (128 + 100 * Math.sin((x + n * 7) / 9.0));
                rgb[i + 1] = (byte) (90 + 60 * Math.cos(y / 13.0));
                rgb[i + 2] = (byte) ((x * y + n) & 0xff);
            }
        }
        return new RgbImage(256, 256, rgb);
    }

    private static float max(float[] v) {
        float m = Float.NEGATIVE_INFINITY;
        for (float f : v) {
            m = Math.max(m, f);
        }
        return m;
    }

    private static float min(float[] v) {
        float m = Float.POSITIVE_INFINITY;
        for (float f : v) {
            m = Math.min(m, f);
        }
        return m;
    }
}
