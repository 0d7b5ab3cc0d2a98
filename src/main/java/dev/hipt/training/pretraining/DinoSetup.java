package dev.hipt.training.pretraining;

import dev.hipt.model.ModelOptions;
import dev.hipt.model.StateDict;
import dev.hipt.model.VisionTransformer;
import dev.hipt.training.dino.DinoHyperParameters;
import dev.hipt.training.dino.DinoTrainer;
import dev.hipt.training.dino.MultiCropSample;

import java.nio.file.Path;
import java.util.List;

/** A pretraining job's settings as the DINO core takes them, and its trainer behind {@link Trainer}. */
final class DinoSetup {

    private DinoSetup() {
    }

    /**
     * DINO's hyper-parameters with the job's overrides.
     *
     * @throws IllegalArgumentException naming the first value out of range
     */
    static DinoHyperParameters hyperParameters(PretrainingSettings s) {
        PretrainingRequest.DinoOverrides o = s.hyperParameters();
        DinoHyperParameters.Builder b = DinoHyperParameters.builder().outDim(s.outDim()).batchSize(s.batchSize())
                .localCrops(s.localCrops());
        if (o.lr() != null) {
            b.lr(o.lr());
        }
        if (o.minLr() != null) {
            b.minLr(o.minLr());
        }
        if (o.warmupEpochs() != null) {
            b.warmupEpochs(o.warmupEpochs());
        }
        if (o.weightDecay() != null) {
            b.weightDecay(o.weightDecay());
        }
        if (o.weightDecayEnd() != null) {
            b.weightDecayEnd(o.weightDecayEnd());
        }
        if (o.momentumTeacher() != null) {
            b.momentumTeacher(o.momentumTeacher());
        }
        if (o.warmupTeacherTemp() != null) {
            b.warmupTeacherTemp(o.warmupTeacherTemp());
        }
        if (o.teacherTemp() != null) {
            b.teacherTemp(o.teacherTemp());
        }
        if (o.warmupTeacherTempEpochs() != null) {
            b.warmupTeacherTempEpochs(o.warmupTeacherTempEpochs());
        }
        if (o.studentTemp() != null) {
            b.studentTemp(o.studentTemp());
        }
        if (o.centerMomentum() != null) {
            b.centerMomentum(o.centerMomentum());
        }
        if (o.clipGrad() != null) {
            b.clipGrad(o.clipGrad());
        }
        if (o.freezeLastLayerEpochs() != null) {
            b.freezeLastLayer(o.freezeLastLayerEpochs());
        }
        if (o.dropPathRate() != null) {
            b.dropPathRate(o.dropPathRate());
        }
        return b.build();
    }

    /** A new run: the backbone of the job's depth with seeded random weights (the official widths). */
    static Trainer create(PretrainingSettings s, int itersPerEpoch, int vit256Dim, ModelOptions options) {
        DinoTrainer.Stage stage = s.stage() == 1 ? DinoTrainer.Stage.VIT256 : DinoTrainer.Stage.VIT4K;
        VisionTransformer architecture = s.stage() == 1 ? VisionTransformer.vit256(s.depth())
                : new VisionTransformer(VisionTransformer.Stem.PHI, vit256Dim, 1, 192, s.depth(), 6, 768, 14);
        StateDict init = architecture.randomStateDict(s.seed());
        return adapt(DinoTrainer.create(stage, hyperParameters(s), itersPerEpoch, s.iterations(), init, s.seed(),
                options));
    }

    /** The run of {@code pth} (written by an earlier attempt), exactly where it stopped. */
    static Trainer resume(Path pth, ModelOptions options) {
        return adapt(DinoTrainer.resume(pth, options));
    }

    private static Trainer adapt(DinoTrainer trainer) {
        return new Trainer() {
            @Override
            public float step(List<MultiCropSample> batch) {
                return trainer.step(batch);
            }

            @Override
            public int iteration() {
                return trainer.iteration();
            }

            @Override
            public int epoch() {
                return trainer.epoch();
            }

            @Override
            public void writeCheckpoint(Path pth, Path safetensors) {
                trainer.writeCheckpoint(pth, safetensors);
            }

            @Override
            public void close() {
                trainer.close();
            }
        };
    }
}
