package dev.hipt.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class PickleAllowlistTests {

    @TempDir
    Path tmp;

    /** The classic exploit: {@code os.system("touch <marker>")} via GLOBAL + REDUCE, inside a normal state dict. */
    private Path osSystemCheckpoint(Path marker) throws IOException {
        byte[] pickle = new TestPickle().orderedDict().mark()
                .str("w").floatTensor("0", 1)
                .str("evil").global("os", "system").mark().str("touch " + marker).tuple().reduce()
                .setitems().stop().bytes();
        return TestPickle.zip(tmp.resolve("evil.pth"), pickle, Map.of("data/0", TestPickle.floats(1)));
    }

    @Test
    void refusesOsSystemAndRunsNothing() throws IOException {
        Path marker = tmp.resolve("pwned");
        Path file = osSystemCheckpoint(marker);

        assertThatThrownBy(() -> CheckpointReader.read(file))
                .isInstanceOf(CheckpointException.class)
                .hasMessageContaining("refused pickle global os.system");
        assertThat(marker).doesNotExist();
    }

    @ParameterizedTest
    @CsvSource({"builtins,eval", "posix,system", "subprocess,Popen", "__builtin__,getattr", "torch,load",
            "collections,defaultdict", "torch._utils,_rebuild_device_tensor_from_numpy", "numpy.core.multiarray,_reconstruct"})
    void refusesEveryGlobalOutsideTheAllowlist(String module, String name) throws IOException {
        byte[] pickle = new TestPickle().emptyDict().str("x").global(module, name).setitem().stop().bytes();
        Path file = TestPickle.zip(tmp.resolve("g.pth"), pickle, Map.of());

        assertThatThrownBy(() -> CheckpointReader.read(file))
                .isInstanceOf(CheckpointException.class)
                .hasMessageContaining("refused pickle global " + module + "." + name);
    }

    @Test
    void refusesForeignGlobalsNamedThroughStackGlobal() throws IOException {
        byte[] pickle = new TestPickle().emptyDict().str("x").stackGlobal("os", "system")
                .mark().str("id").tuple().reduce().setitem().stop().bytes();
        Path file = TestPickle.zip(tmp.resolve("sg.pth"), pickle, Map.of());

        assertThatThrownBy(() -> CheckpointReader.read(file))
                .isInstanceOf(CheckpointException.class)
                .hasMessageContaining("os.system");
    }

    @Test
    void refusesTheInstOpcode() throws IOException {
        // protocol 0 INST: MARK, args, 'i' module\nname\n
        byte[] raw = "(S'id'\nios\nsystem\n.".getBytes();
        Path file = TestPickle.zip(tmp.resolve("inst.pth"), raw, Map.of());

        assertThatThrownBy(() -> CheckpointReader.read(file))
                .isInstanceOf(CheckpointException.class)
                .hasMessageContaining("os.system");
    }

    @Test
    void allowedGlobalsOnlyBuildDataAndCannotBeCalledOutOfRole() throws IOException {
        // a storage type is allowed as a persistent-id tag but may not be called
        byte[] pickle = new TestPickle().emptyDict().str("x").global("torch", "FloatStorage").emptyTuple().reduce()
                .setitem().stop().bytes();
        Path file = TestPickle.zip(tmp.resolve("call.pth"), pickle, Map.of());

        assertThatThrownBy(() -> CheckpointReader.read(file))
                .isInstanceOf(CheckpointException.class)
                .hasMessageContaining("torch.FloatStorage may not be called");
    }

    @Test
    void readsArgparseNamespaceAsPlainFields() throws IOException {
        byte[] pickle = new TestPickle().emptyDict().str("args").global("argparse", "Namespace").emptyTuple().newobj()
                .emptyDict().mark().str("arch").str("vit_small").str("epochs").integer(100).setitems().build()
                .setitem().stop().bytes();
        Path file = TestPickle.zip(tmp.resolve("ns.pth"), pickle, Map.of());

        try (TorchZipReader reader = TorchZipReader.open(file)) {
            Map<?, ?> top = (Map<?, ?>) reader.parsePickle();
            assertThat(top.get("args")).isEqualTo(new RestrictedUnpickler.Namespace(
                    new java.util.LinkedHashMap<>(Map.of("arch", "vit_small", "epochs", 100))));
        }
    }

    @Test
    void theAllowlistIsExactlyTensorsStoragesAndPlainContainers() {
        assertThat(RestrictedUnpickler.ALLOWED)
                .contains("torch._utils._rebuild_tensor_v2", "torch._utils._rebuild_parameter",
                        "collections.OrderedDict", "argparse.Namespace", "torch.FloatStorage", "torch.HalfStorage",
                        "torch.BFloat16Storage")
                .allMatch(g -> g.startsWith("torch.") || g.startsWith("collections.") || g.startsWith("argparse.")
                        || g.endsWith("set"));
    }

    @Test
    void fixtureCheckpointsNameOnlyAllowedGlobals() throws IOException {
        for (String name : new String[] {"vit256.pth", "vit4k.pth", "slide_subtype.pt", "slide_survival.pt"}) {
            Path file = CheckpointFixtures.reference(name);
            try (TorchZipReader reader = TorchZipReader.open(file)) {
                assertThat(reader.parsePickle()).isInstanceOf(Map.class);
            }
        }
    }
}
