package dev.hipt.training.pretraining;

import dev.hipt.training.dino.MultiCropSample;
import java.nio.file.Path;
import java.util.List;

/** The DINO trainer as a pretraining job drives it (see {@link DinoSetup}). */
interface Trainer extends AutoCloseable {

    /** One optimizer step over a batch of samples; the mean loss. */
    float step(List<MultiCropSample> batch);

    /** Steps done. */
    int iteration();

    /** The epoch of the next step. */
    int epoch();

    /** The official-layout {@code .pth} and the teacher backbone's safetensors, each written atomically. */
    void writeCheckpoint(Path pth, Path safetensors);

    @Override
    void close();
}
