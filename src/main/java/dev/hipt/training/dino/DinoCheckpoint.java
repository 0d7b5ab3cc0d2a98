package dev.hipt.training.dino;

import dev.hipt.model.CheckpointException;
import dev.hipt.model.CheckpointReader;
import dev.hipt.model.Safetensors;
import dev.hipt.model.StateDict;
import dev.hipt.model.Tensor;
import dev.hipt.model.TorchCheckpointWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * DINO's checkpoint layout ({@code main_dino.py}'s {@code save_dict}): {@code student} (the DDP-wrapped
 * {@code MultiCropWrapper}: {@code module.backbone.*}, {@code module.head.*}), {@code teacher} ({@code backbone.*},
 * {@code head.*}), {@code optimizer} (an AdamW {@code state_dict}: {@code state} by parameter index with {@code step},
 * {@code exp_avg}, {@code exp_avg_sq}; two {@code param_groups}), {@code epoch} (epochs completed), {@code args} (an
 * {@code argparse.Namespace}), {@code dino_loss} ({@code center}); plus {@code iteration}, the iterations done, which
 * a mid-epoch checkpoint needs to resume.
 */
final class DinoCheckpoint {

    /** One parameter's AdamW state. */
    record MomentState(int step, Tensor expAvg, Tensor expAvgSq) {
    }

    /** Everything a run needs to continue; student and teacher named {@code backbone.*} / {@code head.*}. */
    record Contents(DinoTrainer.Stage stage, DinoHyperParameters hyperParameters, int itersPerEpoch,
                    int totalIterations, long seed, int iteration, StateDict student, StateDict teacher,
                    Map<Integer, MomentState> optimiserState, float[] center) {
    }

    private DinoCheckpoint() {
    }

    static void write(Path pth, Contents c, int regularisedCount, int parameterCount, double lr, double wd) {
        Map<String, Object> root = new LinkedHashMap<>();
        root.put("student", renamed(c.student(), "module."));
        root.put("teacher", c.teacher());
        Map<Integer, Object> state = new LinkedHashMap<>();
        c.optimiserState().forEach((index, s) -> {
            Map<String, Object> entry = new LinkedHashMap<>();
            entry.put("step", new Tensor(new long[0], new float[] {s.step()}));
            entry.put("exp_avg", s.expAvg());
            entry.put("exp_avg_sq", s.expAvgSq());
            state.put(index, entry);
        });
        Map<String, Object> optimizer = new LinkedHashMap<>();
        optimizer.put("state", state);
        optimizer.put("param_groups", List.of(group(lr, wd, 0, regularisedCount),
                group(lr, 0.0, regularisedCount, parameterCount)));
        root.put("optimizer", optimizer);
        root.put("epoch", c.iteration() / c.itersPerEpoch());
        Map<String, Object> args = new LinkedHashMap<>();
        args.put("arch", c.stage().arch());
        args.put("patch_size", 16);
        args.putAll(c.hyperParameters().toArgs());
        args.put("epochs", (c.totalIterations() + c.itersPerEpoch() - 1) / c.itersPerEpoch());
        args.put("seed", c.seed());
        args.put("hipt_stage", c.stage().name());
        args.put("hipt_iters_per_epoch", c.itersPerEpoch());
        args.put("hipt_total_iterations", c.totalIterations());
        root.put("args", new TorchCheckpointWriter.Namespace(args));
        root.put("dino_loss", new StateDict(Map.of("center", new Tensor(new long[] {1, c.center().length},
                c.center()))));
        root.put("iteration", c.iteration());
        TorchCheckpointWriter.write(pth, (Object) root);
    }

    private static Map<String, Object> group(double lr, double wd, int from, int to) {
        List<Integer> params = new ArrayList<>();
        for (int i = from; i < to; i++) {
            params.add(i);
        }
        Map<String, Object> g = new LinkedHashMap<>();
        g.put("lr", lr);
        g.put("betas", new Object[] {AdamW.BETA1, AdamW.BETA2});
        g.put("eps", AdamW.EPS);
        g.put("weight_decay", wd);
        g.put("amsgrad", false);
        g.put("foreach", null);
        g.put("maximize", false);
        g.put("capturable", false);
        g.put("differentiable", false);
        g.put("fused", null);
        g.put("params", params);
        return g;
    }

    static void writeSafetensors(Path file, StateDict teacherBackbone, DinoTrainer.Stage stage, int iteration) {
        Map<String, String> metadata = new LinkedHashMap<>();
        metadata.put("format", "pt");
        metadata.put("arch", stage.arch());
        metadata.put("iteration", Integer.toString(iteration));
        Safetensors.write(file, teacherBackbone, metadata);
    }

    static Contents read(Path pth) {
        Map<?, ?> root = map(CheckpointReader.readTree(pth), "the checkpoint");
        Map<?, ?> args = map(root.get("args"), "args");
        if (!(args.get("hipt_stage") instanceof String stageName)) {
            throw new CheckpointException("checkpoint " + pth + " was not written by this service's DINO trainer"
                    + " (args lack hipt_stage)");
        }
        DinoTrainer.Stage stage;
        DinoHyperParameters hp;
        int itersPerEpoch;
        int total;
        long seed;
        try {
            stage = DinoTrainer.Stage.valueOf(stageName);
            hp = DinoHyperParameters.fromArgs(args);
            itersPerEpoch = DinoHyperParameters.integer(args, "hipt_iters_per_epoch");
            total = DinoHyperParameters.integer(args, "hipt_total_iterations");
            if (!(args.get("seed") instanceof Number s)) {
                throw new IllegalArgumentException("checkpoint args lack the integer 'seed'");
            }
            seed = s.longValue();
        } catch (IllegalArgumentException | ArithmeticException e) {
            throw new CheckpointException("checkpoint " + pth + " has unusable args: " + e.getMessage(), e);
        }
        StateDict student = tensors(map(root.get("student"), "student"), "module.");
        StateDict teacher = tensors(map(root.get("teacher"), "teacher"), "");
        Map<?, ?> optimizer = map(root.get("optimizer"), "optimizer");
        Map<Integer, MomentState> state = new LinkedHashMap<>();
        map(optimizer.get("state"), "optimizer.state").forEach((k, v) -> {
            if (!(k instanceof Number index)) {
                throw new CheckpointException("optimizer.state has a non-integer key " + k);
            }
            Map<?, ?> entry = map(v, "optimizer.state." + k);
            state.put(index.intValue(), new MomentState((int) scalar(entry.get("step"), "step of " + k),
                    tensor(entry.get("exp_avg"), "exp_avg of " + k), tensor(entry.get("exp_avg_sq"),
                    "exp_avg_sq of " + k)));
        });
        Tensor center = tensor(map(root.get("dino_loss"), "dino_loss").get("center"), "dino_loss.center");
        if (!(root.get("iteration") instanceof Number iteration)) {
            throw new CheckpointException("checkpoint " + pth + " lacks its iteration");
        }
        return new Contents(stage, hp, itersPerEpoch, total, seed, iteration.intValue(), student, teacher, state,
                center.data());
    }

    private static StateDict renamed(StateDict dict, String prefix) {
        Map<String, Tensor> out = new LinkedHashMap<>();
        dict.asMap().forEach((k, v) -> out.put(prefix + k, v));
        return new StateDict(out);
    }

    private static StateDict tensors(Map<?, ?> dict, String prefix) {
        Map<String, Tensor> out = new LinkedHashMap<>();
        dict.forEach((k, v) -> {
            String name = String.valueOf(k);
            if (!name.startsWith(prefix)) {
                throw new CheckpointException("checkpoint parameter '" + name + "' lacks the prefix " + prefix);
            }
            out.put(name.substring(prefix.length()), tensor(v, name));
        });
        return new StateDict(out);
    }

    private static Map<?, ?> map(Object value, String what) {
        if (value instanceof Map<?, ?> m) {
            return m;
        }
        throw new CheckpointException("checkpoint entry " + what + " is missing or not a dict");
    }

    private static Tensor tensor(Object value, String what) {
        if (value instanceof Tensor t) {
            return t;
        }
        throw new CheckpointException("checkpoint entry " + what + " is missing or not a tensor");
    }

    private static double scalar(Object value, String what) {
        if (value instanceof Number n) {
            return n.doubleValue();
        }
        Tensor t = tensor(value, what);
        if (t.data().length != 1) {
            throw new CheckpointException("checkpoint entry " + what + " is not a scalar");
        }
        return t.data()[0];
    }
}
