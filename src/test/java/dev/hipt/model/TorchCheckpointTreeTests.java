package dev.hipt.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Trees of plain Python values (a DINO training checkpoint) written by TorchCheckpointWriter and read by readTree. */
class TorchCheckpointTreeTests {

    @TempDir
    Path tmp;

    @Test
    void nestedDictsListsTuplesNamespacesScalarsAndTensorsRoundTrip() {
        Map<String, Tensor> weights = new LinkedHashMap<>();
        weights.put("w", new Tensor(new long[] {2, 2}, new float[] {1, 2, 3, 4}));
        weights.put("b", new Tensor(new long[] {2}, new float[] {-1, 0.5f}));
        Map<Integer, Object> state = new LinkedHashMap<>();
        state.put(0, Map.of("step", new Tensor(new long[0], new float[] {7})));
        state.put(300, Map.of("exp_avg", new Tensor(new long[] {3}, new float[] {0.25f, 0, 9})));
        Map<String, Object> args = new LinkedHashMap<>();
        args.put("arch", "vit_small");
        args.put("lr", 5e-4);
        args.put("seed", 1L << 40);
        args.put("use_fp16", false);
        args.put("negative", -70000);
        Map<String, Object> root = new LinkedHashMap<>();
        root.put("model", new StateDict(weights));
        root.put("state", state);
        root.put("groups", List.of(Map.of("params", List.of(0, 1, 2)), Map.of("betas", new Object[] {0.9, 0.999})));
        root.put("args", new TorchCheckpointWriter.Namespace(args));
        root.put("none", null);
        root.put("empty", new Object[0]);
        Path file = tmp.resolve("tree.pth");

        TorchCheckpointWriter.write(file, (Object) root);
        Map<?, ?> read = (Map<?, ?>) CheckpointReader.readTree(file);

        assertThat(new ArrayList<Object>(read.keySet())).containsExactly("model", "state", "groups", "args", "none",
                "empty");
        Map<?, ?> model = (Map<?, ?>) read.get("model");
        assertThat(((Tensor) model.get("w")).shape()).containsExactly(2, 2);
        assertThat(((Tensor) model.get("w")).data()).containsExactly(1, 2, 3, 4);
        assertThat(((Tensor) model.get("b")).data()).containsExactly(-1, 0.5f);
        Map<?, ?> readState = (Map<?, ?>) read.get("state");
        assertThat(((Number) new ArrayList<>(readState.keySet()).get(1)).intValue()).isEqualTo(300);
        Tensor step = (Tensor) ((Map<?, ?>) readState.get(0)).get("step");
        assertThat(step.shape()).isEmpty();
        assertThat(step.data()).containsExactly(7);
        List<?> groups = (List<?>) read.get("groups");
        assertThat(new ArrayList<Object>((List<?>) ((Map<?, ?>) groups.get(0)).get("params"))).containsExactly(0, 1, 2);
        assertThat(new ArrayList<Object>((List<?>) ((Map<?, ?>) groups.get(1)).get("betas"))).containsExactly(0.9, 0.999);
        Map<?, ?> readArgs = (Map<?, ?>) read.get("args");
        assertThat(readArgs.get("arch")).isEqualTo("vit_small");
        assertThat(readArgs.get("lr")).isEqualTo(5e-4);
        assertThat(((Number) readArgs.get("seed")).longValue()).isEqualTo(1L << 40);
        assertThat(readArgs.get("use_fp16")).isEqualTo(false);
        assertThat(((Number) readArgs.get("negative")).intValue()).isEqualTo(-70000);
        assertThat(read.containsKey("none")).isTrue();
        assertThat(read.get("none")).isNull();
        assertThat((List<?>) read.get("empty")).isEmpty();
        // the reader's model selection still finds the state dict entry
        assertThat(CheckpointReader.read(file, "model").keys()).containsExactly("w", "b");
    }

    @Test
    void refusesValuesPythonCannotBeGivenAndLeavesNoFile() {
        Path file = tmp.resolve("bad.pth");
        assertThatThrownBy(() -> TorchCheckpointWriter.write(file, (Object) Map.of("x", new Object())))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("cannot pickle");
        assertThat(file).doesNotExist();
        assertThat(tmp.resolve("bad.pth.tmp")).doesNotExist();
    }
}
