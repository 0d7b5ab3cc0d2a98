package dev.hipt.training.pretraining;

import java.util.List;

/**
 * One training sample's views, float32 CHW row-major: the global views, then the local views.
 *
 * @param globals    {@link MultiCropSettings#GLOBAL_CROPS} views of {@code channels x globalSide x globalSide}
 * @param globalSide side of a global view
 * @param locals     local views of {@code channels x localSide x localSide}
 * @param localSide  side of a local view
 * @param channels   3 for images, 384 for ViT-256 token grids
 */
record CropViews(List<float[]> globals, int globalSide, List<float[]> locals, int localSide, int channels) {

    CropViews {
        globals = List.copyOf(globals);
        locals = List.copyOf(locals);
    }
}
