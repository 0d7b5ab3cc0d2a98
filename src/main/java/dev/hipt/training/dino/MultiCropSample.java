package dev.hipt.training.dino;

import java.util.List;

/**
 * One sample's views for a DINO step, each float32 {@code [channels, side, side]} row-major: the global views first
 * (the teacher sees only these), then the local views. Stage 1 views are normalised RGB ({@code channels} 3, e.g.
 * sides 224 and 96); stage 2 views are ViT-256 CLS grids ({@code channels} 384, sides 14 and 6).
 *
 * @param globals    the global views (DINO: 2)
 * @param globalSide the side of every global view
 * @param locals     the local views (may be empty)
 * @param localSide  the side of every local view (ignored when there are none)
 * @param channels   values per position
 */
public record MultiCropSample(List<float[]> globals, int globalSide, List<float[]> locals, int localSide,
                              int channels) {

    /**
     * @throws IllegalArgumentException when there is no global view, fewer than two views in all, or a view's length
     *                                  is not {@code channels * side * side}
     */
    public MultiCropSample {
        globals = List.copyOf(globals);
        locals = List.copyOf(locals);
        if (globals.isEmpty()) {
            throw new IllegalArgumentException("a DINO sample needs at least one global view");
        }
        if (globals.size() + locals.size() < 2) {
            throw new IllegalArgumentException("a DINO sample needs at least two views, got "
                    + (globals.size() + locals.size()));
        }
        if (channels < 1 || globalSide < 1 || (!locals.isEmpty() && localSide < 1)) {
            throw new IllegalArgumentException("channels and view sides must be positive, got channels " + channels
                    + ", sides " + globalSide + " and " + localSide);
        }
        check(globals, "global", (long) channels * globalSide * globalSide);
        check(locals, "local", (long) channels * localSide * localSide);
    }

    private static void check(List<float[]> views, String kind, long expected) {
        for (int i = 0; i < views.size(); i++) {
            if (views.get(i).length != expected) {
                throw new IllegalArgumentException(kind + " view " + i + " holds " + views.get(i).length
                        + " values, expected " + expected);
            }
        }
    }
}
