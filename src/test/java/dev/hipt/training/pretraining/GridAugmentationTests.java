package dev.hipt.training.pretraining;

import org.junit.jupiter.api.Test;

import java.util.SplittableRandom;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

class GridAugmentationTests {

    private static final int CHANNELS = 4;

    @Test
    void viewsAreCropsOfTheGridPossiblyFlippedWithDropout() {
        GridAugmentation augmentation = new GridAugmentation(MultiCropSettings.stage2Defaults(), CHANNELS);
        float[] grid = codedGrid();

        CropViews views = augmentation.views(grid, new SplittableRandom(4));

        assertThat(views.globals()).hasSize(2).allSatisfy(v -> assertThat(v).hasSize(CHANNELS * 14 * 14));
        assertThat(views.locals()).hasSize(8).allSatisfy(v -> assertThat(v).hasSize(CHANNELS * 6 * 6));
        assertThat(views.channels()).isEqualTo(CHANNELS);
        int flipped = 0;
        for (float[] view : views.locals()) {
            flipped += assertCrop(view, 6) ? 1 : 0;
        }
        for (float[] view : views.globals()) {
            flipped += assertCrop(view, 14) ? 1 : 0;
        }
        assertThat(flipped).as("some of the 10 views are flipped, not all").isBetween(1, 9);
    }

    @Test
    void dropsAboutATenthOfTheFeaturesAndScalesTheRest() {
        GridAugmentation augmentation = new GridAugmentation(MultiCropSettings.stage2Defaults(), 384);
        float[] ones = new float[384 * 256];
        java.util.Arrays.fill(ones, 1f);

        CropViews views = augmentation.views(ones, new SplittableRandom(9));

        long zeros = 0;
        long total = 0;
        for (float[] view : views.globals()) {
            for (float f : view) {
                total++;
                if (f == 0f) {
                    zeros++;
                } else {
                    assertThat(f).isCloseTo(1f / 0.9f, within(1e-6f));
                }
            }
        }
        assertThat((double) zeros / total).isCloseTo(0.1, within(0.01));
    }

    @Test
    void theSameSeedGivesTheSameViews() {
        GridAugmentation augmentation = new GridAugmentation(MultiCropSettings.stage2Defaults(), CHANNELS);
        float[] grid = codedGrid();

        CropViews a = augmentation.views(grid, new SplittableRandom(21));
        CropViews b = augmentation.views(grid, new SplittableRandom(21));
        CropViews c = augmentation.views(grid, new SplittableRandom(22));

        for (int i = 0; i < 8; i++) {
            assertThat(a.locals().get(i)).isEqualTo(b.locals().get(i));
        }
        assertThat(a.globals().get(0)).isNotEqualTo(c.globals().get(0));
    }

    @Test
    void cls256TokensBecomeTheChannelMajorGridRowByRow() {
        int dim = 3;
        float[] cls256 = new float[256 * dim];
        for (int t = 0; t < 256; t++) {
            for (int c = 0; c < dim; c++) {
                cls256[t * dim + c] = t * 10 + c;
            }
        }

        float[] grid = GridAugmentation.grid(cls256, dim);

        // channel 2 at row 1, column 3 is token 1 * 16 + 3 = 19
        assertThat(grid[(2 * 16 + 1) * 16 + 3]).isEqualTo(192f);
        assertThat(grid[0]).isEqualTo(0f);
    }

    @Test
    void refusesCropsLargerThanTheGrid() {
        MultiCropSettings tooLarge = new MultiCropSettings(17, 0.4, 1, 2, 6, 0.05, 0.4, 0.1);
        assertThatThrownBy(() -> new GridAugmentation(tooLarge, CHANNELS))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("fit");
    }

    /** Cell (c, r, col) holds 1 + c * 1000 + r * 16 + col, so a view shows where it came from. */
    private static float[] codedGrid() {
        float[] grid = new float[CHANNELS * 256];
        for (int c = 0; c < CHANNELS; c++) {
            for (int r = 0; r < 16; r++) {
                for (int col = 0; col < 16; col++) {
                    grid[(c * 16 + r) * 16 + col] = 1 + c * 1000 + r * 16 + col;
                }
            }
        }
        return grid;
    }

    /** Checks that the view is one crop of the coded grid (dropped cells 0, kept ones scaled); returns if flipped. */
    private static boolean assertCrop(float[] view, int side) {
        for (boolean flip : new boolean[] {false, true}) {
            for (int top = 0; top + side <= 16; top++) {
                for (int left = 0; left + side <= 16; left++) {
                    if (isCrop(view, side, top, left, flip)) {
                        return flip;
                    }
                }
            }
        }
        throw new AssertionError("a view of side " + side + " is no crop of the grid");
    }

    private static boolean isCrop(float[] view, int side, int top, int left, boolean flip) {
        for (int c = 0; c < CHANNELS; c++) {
            for (int r = 0; r < side; r++) {
                for (int col = 0; col < side; col++) {
                    float v = view[(c * side + r) * side + col];
                    int srcCol = left + (flip ? side - 1 - col : col);
                    float expected = (1 + c * 1000 + (top + r) * 16 + srcCol) / 0.9f;
                    if (v != 0f && Math.abs(v - expected) > 1e-3f) {
                        return false;
                    }
                }
            }
        }
        return true;
    }
}
