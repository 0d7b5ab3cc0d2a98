package dev.hipt.training.pretraining;

import dev.hipt.training.dino.MultiCropSample;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.SplittableRandom;

/**
 * Stage-2 multi-crop of one region's ViT-256 token grid {@code [384 x 16 x 16]} (channel-major, cell (r, c) being
 * the CLS token of the region's patch at row r, column c), as HIPT's {@code DataAugmentationDINO4K} makes it: each
 * view a random crop ({@code RandomCrop}: top and left uniform over every position that fits) of
 * {@code globalSide} (two global views) or {@code localSide} cells, flipped horizontally with p 0.5; then, as the
 * paper adds, dropout with p {@code settings.dropout()} on every feature of every view, survivors scaled by
 * {@code 1 / (1 - p)} as {@code nn.Dropout} does in training. Deterministic for a given {@link SplittableRandom}
 * state; immutable and thread-safe.
 *
 * <p>Checked against HIPT's {@code 1-Hierarchical-Pretraining/main_dino4k.py}: it makes the grid from a region's
 * {@code [256 x 384]} tokens with {@code unfold(0, 16, 16).transpose(0, 1)}, i.e. cell (r, c) is token
 * {@code 16 r + c} ({@link #grid}), and crops and flips the last two axes, as here. Its released code applies no
 * dropout at all: {@code VisionTransformer4K}'s {@code drop_rate} (after {@code phi}, on the tokens, in attention
 * and MLP outputs) defaults to 0 and {@code main_dino4k.py} never sets it. The paper's dropout of 0.1 is applied here
 * to the input features of every view instead, the teacher's global views included, as a {@code drop_rate} would
 * reach the teacher too (DINO never puts it in eval mode).
 */
final class GridAugmentation {

    static final int GRID = 16;
    static final double FLIP_P = 0.5;

    private final MultiCropSettings settings;
    private final int channels;

    GridAugmentation(MultiCropSettings settings, int channels) {
        this.settings = Objects.requireNonNull(settings, "settings");
        if (settings.globalSide() > GRID || settings.localSide() > GRID) {
            throw new IllegalArgumentException("stage-2 crops must fit the " + GRID + " x " + GRID + " grid, got "
                    + settings.globalSide() + " and " + settings.localSide());
        }
        if (channels < 1) {
            throw new IllegalArgumentException("channels must be positive: " + channels);
        }
        this.channels = channels;
    }

    /** Two global and {@code localCrops} local views of {@code grid} ({@code channels x 16 x 16} floats). */
    MultiCropSample views(float[] grid, SplittableRandom random) {
        if (grid.length != channels * GRID * GRID) {
            throw new IllegalArgumentException("a token grid holds " + channels * GRID * GRID + " floats, got "
                    + grid.length);
        }
        List<float[]> globals = List.of(view(grid, settings.globalSide(), random),
                view(grid, settings.globalSide(), random));
        List<float[]> locals = new ArrayList<>(settings.localCrops());
        for (int i = 0; i < settings.localCrops(); i++) {
            locals.add(view(grid, settings.localSide(), random));
        }
        return new MultiCropSample(globals, settings.globalSide(), locals, settings.localSide(), channels);
    }

    private float[] view(float[] grid, int side, SplittableRandom random) {
        int top = random.nextInt(GRID - side + 1);
        int left = random.nextInt(GRID - side + 1);
        boolean flip = random.nextDouble() < FLIP_P;
        float[] out = new float[channels * side * side];
        for (int c = 0; c < channels; c++) {
            for (int r = 0; r < side; r++) {
                for (int col = 0; col < side; col++) {
                    int srcCol = left + (flip ? side - 1 - col : col);
                    out[(c * side + r) * side + col] = grid[(c * GRID + top + r) * GRID + srcCol];
                }
            }
        }
        double p = settings.dropout();
        if (p > 0) {
            float keep = (float) (1.0 / (1.0 - p));
            for (int i = 0; i < out.length; i++) {
                out[i] = random.nextDouble() < p ? 0f : out[i] * keep;
            }
        }
        return out;
    }

    /** A region's {@code [256 x 384]} row-major CLS tokens as the {@code [384 x 16 x 16]} grid. */
    static float[] grid(float[] cls256, int dim) {
        int tokens = GRID * GRID;
        if (cls256.length != tokens * dim) {
            throw new IllegalArgumentException("cls256 holds " + tokens * dim + " floats, got " + cls256.length);
        }
        float[] grid = new float[cls256.length];
        for (int t = 0; t < tokens; t++) {
            for (int c = 0; c < dim; c++) {
                grid[c * tokens + t] = cls256[t * dim + c];
            }
        }
        return grid;
    }
}
