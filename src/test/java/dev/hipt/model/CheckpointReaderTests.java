package dev.hipt.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.ZipFile;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CheckpointReaderTests {

    @TempDir
    Path tmp;

    // --- a DINO training checkpoint built by hand: student, teacher, optimizer, epoch, args ---

    /**
     * Storages 0-2 belong to the student, 3-6 to the teacher (6 is its head), 7 to the optimizer. Only 3, 4 and 5
     * are present in {@link #dinoCheckpoint}: anything reading more than the teacher's backbone fails.
     */
    private static byte[] dinoPickle() {
        TestPickle p = new TestPickle().emptyDict().mark();
        p.str("student").orderedDict().mark()
                .str("module.backbone.cls_token").floatTensor("0", 1, 1, 4)
                .str("module.backbone.blocks.0.norm1.weight").floatTensor("1", 4)
                .str("module.head.last_layer.weight").floatTensor("2", 2, 4)
                .setitems();
        p.str("teacher").orderedDict().mark()
                .str("backbone.cls_token").floatTensor("3", 1, 1, 4)
                .str("backbone.blocks.0.norm1.weight").floatTensor("4", 4)
                .str("backbone.blocks.1.norm1.weight").floatTensor("5", 4)
                .str("head.last_layer.weight").floatTensor("6", 2, 4)
                .setitems();
        p.str("optimizer").emptyDict().str("exp_avg").floatTensor("7", 4).setitem();
        p.str("epoch").integer(3);
        p.str("args").global("argparse", "Namespace").emptyTuple().newobj()
                .emptyDict().mark().str("arch").str("vit_small").str("patch_size").integer(16).setitems().build();
        return p.setitems().stop().bytes();
    }

    private Path dinoCheckpoint() throws IOException {
        Map<String, byte[]> entries = new LinkedHashMap<>();
        entries.put("data/3", TestPickle.floats(1, 2, 3, 4));
        entries.put("data/4", TestPickle.floats(5, 6, 7, 8));
        entries.put("data/5", TestPickle.floats(9, 10, 11, 12));
        entries.put("version", "3\n".getBytes());
        return TestPickle.zip(tmp.resolve("dino.pth"), dinoPickle(), entries);
    }

    @Test
    void readsTheTeacherBackboneOfADinoCheckpointWithPrefixesStrippedAndHeadDropped() throws IOException {
        StateDict sd = CheckpointReader.read(dinoCheckpoint());

        assertThat(sd.keys()).containsExactly("cls_token", "blocks.0.norm1.weight", "blocks.1.norm1.weight");
        assertThat(sd.get("cls_token", 1, 1, 4).data()).containsExactly(1, 2, 3, 4);
        assertThat(sd.get("blocks.1.norm1.weight", 4).data()).containsExactly(9, 10, 11, 12);
        assertThat(sd.countIndexed("blocks.")).isEqualTo(2);
    }

    @Test
    void readsOnlyTheStoragesOfTheSelectedEntry() throws IOException {
        // the student's, the teacher head's and the optimizer's storages are absent from the zip: reading them fails
        try (TorchZipReader reader = TorchZipReader.open(dinoCheckpoint())) {
            reader.read(null);
            assertThat(reader.storageEntriesRead())
                    .containsExactly("archive/data/3", "archive/data/4", "archive/data/5");
        }
    }

    @Test
    void anExplicitEntryIsSelectedAndAMissingStorageIsNamed() throws IOException {
        Path file = dinoCheckpoint();

        assertThatThrownBy(() -> CheckpointReader.read(file, "student"))
                .isInstanceOf(CheckpointException.class)
                .hasMessageContaining("lacks storage entry archive/data/0")
                .hasMessageContaining("'cls_token'");
        assertThat(CheckpointReader.read(file, "teacher").keys()).hasSize(3);
    }

    @Test
    void anAbsentOrNonDictEntryIsAClearError() throws IOException {
        Path file = dinoCheckpoint();

        assertThatThrownBy(() -> CheckpointReader.read(file, "ema"))
                .isInstanceOf(CheckpointException.class)
                .hasMessageContaining("has no entry 'ema'")
                .hasMessageContaining("teacher");
        assertThatThrownBy(() -> CheckpointReader.read(file, "epoch"))
                .isInstanceOf(CheckpointException.class)
                .hasMessageContaining("entry 'epoch'")
                .hasMessageContaining("not a dict of tensors");
    }

    @Test
    void readsAPlainStateDictAndAStateDictEntry() throws IOException {
        byte[] plain = new TestPickle().orderedDict().mark()
                .str("classifier.weight").floatTensor("0", 1, 2)
                .str("classifier.bias").floatTensor("1", 1)
                .setitems().stop().bytes();
        Map<String, byte[]> storages = Map.of("data/0", TestPickle.floats(0.5f, -0.5f), "data/1",
                TestPickle.floats(2));
        Path plainFile = TestPickle.zip(tmp.resolve("plain.pt"), plain, storages);

        byte[] wrapped = new TestPickle().emptyDict().mark()
                .str("epoch").integer(9)
                .str("state_dict").orderedDict().mark()
                .str("classifier.weight").floatTensor("0", 1, 2)
                .str("classifier.bias").floatTensor("1", 1)
                .setitems()
                .setitems().stop().bytes();
        Path wrappedFile = TestPickle.zip(tmp.resolve("wrapped.pt"), wrapped, storages);

        for (Path file : List.of(plainFile, wrappedFile)) {
            StateDict sd = CheckpointReader.read(file);
            assertThat(sd.keys()).containsExactly("classifier.weight", "classifier.bias");
            assertThat(sd.get("classifier.weight", 1, 2).data()).containsExactly(0.5f, -0.5f);
        }
    }

    @Test
    void convertsHalfBfloatDoubleAndIntegerStoragesToFloat32() throws IOException {
        byte[] pickle = new TestPickle().orderedDict().mark()
                .str("half").tensor("HalfStorage", "0", 3, 0, new long[] {3}, new long[] {1})
                .str("bf16").tensor("BFloat16Storage", "1", 2, 0, new long[] {2}, new long[] {1})
                .str("double").tensor("DoubleStorage", "2", 2, 0, new long[] {2}, new long[] {1})
                .str("counter").tensor("LongStorage", "3", 1, 0, new long[] {}, new long[] {})
                .setitems().stop().bytes();
        Map<String, byte[]> storages = Map.of(
                "data/0", TestPickle.shorts(0x3E00, 0xC000, 0x0001), // 1.5, -2, smallest subnormal
                "data/1", TestPickle.shorts(Float.floatToIntBits(1.5f) >>> 16, Float.floatToIntBits(-3f) >>> 16),
                "data/2", TestPickle.doubles(2.25, -0.125),
                "data/3", TestPickle.int64s(42));
        StateDict sd = CheckpointReader.read(TestPickle.zip(tmp.resolve("dtypes.pt"), pickle, storages));

        assertThat(sd.get("half").data()).containsExactly(1.5f, -2f, 0x1p-24f);
        assertThat(sd.get("bf16").data()).containsExactly(1.5f, -3f);
        assertThat(sd.get("double").data()).containsExactly(2.25f, -0.125f);
        assertThat(sd.get("counter").shape()).isEmpty();
        assertThat(sd.get("counter").data()).containsExactly(42f);
    }

    @Test
    void copiesStridedViewsWithOffsetsIntoRowMajorOrder() throws IOException {
        // storage [0..7]; "t" is the transpose of a 2x3 matrix starting at element 1; "p" a parameter-wrapped slice
        byte[] pickle = new TestPickle().orderedDict().mark()
                .str("t").tensor("FloatStorage", "0", 8, 1, new long[] {3, 2}, new long[] {1, 3})
                .str("p").global("torch._utils", "_rebuild_parameter").mark()
                .tensor("FloatStorage", "0", 8, 6, new long[] {2}, new long[] {1}).bool(true).orderedDict().tuple()
                .reduce()
                .setitems().stop().bytes();
        Map<String, byte[]> storages = Map.of("data/0", TestPickle.floats(0, 1, 2, 3, 4, 5, 6, 7));
        StateDict sd = CheckpointReader.read(TestPickle.zip(tmp.resolve("strided.pt"), pickle, storages));

        // matrix rows [1 2 3], [4 5 6]; its transpose is [[1 4], [2 5], [3 6]]
        assertThat(sd.get("t", 3, 2).data()).containsExactly(1, 4, 2, 5, 3, 6);
        assertThat(sd.get("p", 2).data()).containsExactly(6, 7);
    }

    @Test
    void aStorageTooShortForItsTensorIsNamed() throws IOException {
        byte[] pickle = new TestPickle().orderedDict().mark()
                .str("w").floatTensor("0", 4)
                .setitems().stop().bytes();
        Path file = TestPickle.zip(tmp.resolve("short.pt"), pickle, Map.of("data/0", TestPickle.floats(1, 2)));

        assertThatThrownBy(() -> CheckpointReader.read(file))
                .isInstanceOf(CheckpointException.class)
                .hasMessageContaining("storage entry archive/data/0")
                .hasMessageContaining("holds 8 bytes, tensor 'w' needs 16");
    }

    @Test
    void aTensorReachingPastItsStorageIsRefusedBeforeAnythingIsAllocated() throws IOException {
        byte[] expanded = new TestPickle().orderedDict().mark()
                .str("huge").tensor("FloatStorage", "0", 1, 0, new long[] {1L << 30}, new long[] {0})
                .setitems().stop().bytes();
        byte[] pastEnd = new TestPickle().orderedDict().mark()
                .str("w").tensor("FloatStorage", "0", 4, 2, new long[] {3}, new long[] {1})
                .setitems().stop().bytes();
        Map<String, byte[]> storage = Map.of("data/0", TestPickle.floats(1, 2, 3, 4));

        assertThatThrownBy(() -> CheckpointReader.read(TestPickle.zip(tmp.resolve("e.pt"), expanded, storage)))
                .isInstanceOf(CheckpointException.class)
                .hasMessageContaining("'huge'")
                .hasMessageContaining("has 1073741824 elements but its storage 0 only 1");
        assertThatThrownBy(() -> CheckpointReader.read(TestPickle.zip(tmp.resolve("p.pt"), pastEnd, storage)))
                .isInstanceOf(CheckpointException.class)
                .hasMessageContaining("'w'")
                .hasMessageContaining("reaches element 5 of storage 0, which holds 4");
    }

    @Test
    void aTruncatedZipIsReportedAsTruncated() throws IOException {
        Path whole = tmp.resolve("whole.pt");
        TorchCheckpointWriter.write(whole, new StateDict(Map.of("w", new Tensor(new long[] {256}, new float[256]))));
        byte[] bytes = Files.readAllBytes(whole);
        Path truncated = Files.write(tmp.resolve("truncated.pt"), java.util.Arrays.copyOf(bytes, bytes.length / 2));

        assertThatThrownBy(() -> CheckpointReader.read(truncated))
                .isInstanceOf(CheckpointException.class)
                .hasMessageStartingWith("truncated or corrupt checkpoint " + truncated);
    }

    @Test
    void bytesThatAreNoCheckpointAreRefusedWhateverTheirName() throws IOException {
        Path text = Files.writeString(tmp.resolve("model.pth"), "this is not a checkpoint\n");
        Path empty = Files.write(tmp.resolve("empty.pt"), new byte[0]);
        Path barePickle = Files.write(tmp.resolve("legacy.pth"), new TestPickle().emptyDict().stop().bytes());

        assertThatThrownBy(() -> CheckpointReader.read(text))
                .isInstanceOf(CheckpointException.class)
                .hasMessageContaining("not a checkpoint")
                .hasMessageContaining("neither a PyTorch zip checkpoint nor a safetensors file");
        assertThatThrownBy(() -> CheckpointReader.read(empty))
                .isInstanceOf(CheckpointException.class)
                .hasMessageContaining("is empty");
        assertThatThrownBy(() -> CheckpointReader.read(barePickle))
                .isInstanceOf(CheckpointException.class)
                .hasMessageContaining("bare pickle");
        assertThatThrownBy(() -> CheckpointReader.read(tmp.resolve("absent.pth")))
                .isInstanceOf(CheckpointException.class)
                .hasMessageContaining("cannot read checkpoint");
    }

    @Test
    void aZipWithoutDataPklIsNotAPytorchCheckpoint() throws IOException {
        Path file = tmp.resolve("other.zip");
        try (var zip = new java.util.zip.ZipOutputStream(Files.newOutputStream(file))) {
            zip.putNextEntry(new java.util.zip.ZipEntry("readme.txt"));
            zip.write("hello".getBytes());
            zip.closeEntry();
        }

        assertThatThrownBy(() -> CheckpointReader.read(file))
                .isInstanceOf(CheckpointException.class)
                .hasMessageContaining("without <archive>/data.pkl");
    }

    @Test
    void aPickleThatIsNotADictOrHoldsNoTensorsIsRefused() throws IOException {
        Path list = TestPickle.zip(tmp.resolve("list.pt"), new TestPickle().emptyList().stop().bytes(), Map.of());
        Path noTensors = TestPickle.zip(tmp.resolve("none.pt"),
                new TestPickle().emptyDict().str("epoch").integer(1).setitem().stop().bytes(), Map.of());
        Path cut = TestPickle.zip(tmp.resolve("cut.pt"), new TestPickle().emptyDict().str("epoch").bytes(), Map.of());

        assertThatThrownBy(() -> CheckpointReader.read(list))
                .isInstanceOf(CheckpointException.class)
                .hasMessageContaining("not a dict");
        assertThatThrownBy(() -> CheckpointReader.read(noTensors))
                .isInstanceOf(CheckpointException.class)
                .hasMessageContaining("holds no tensors")
                .hasMessageContaining("[epoch]");
        assertThatThrownBy(() -> CheckpointReader.read(cut))
                .isInstanceOf(CheckpointException.class)
                .hasMessageContaining("corrupt pickle");
    }

    @Test
    void sha256IsTheHexDigestOfTheFileBytes() throws Exception {
        Path file = Files.writeString(tmp.resolve("x.bin"), "abc");

        assertThat(CheckpointReader.sha256(file))
                .isEqualTo("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    }

    // --- the shared reference fixtures (made by the official HIPT code) ---

    @Test
    void readsTheFixtureVit256TeacherExactly() throws Exception {
        Path file = CheckpointFixtures.reference("vit256.pth");
        StateDict sd = CheckpointReader.read(file);

        assertThat(sd.countIndexed("blocks.")).isEqualTo(2);
        assertThat(sd.keys()).hasSize(4 + 2 * 12 + 2).noneMatch(k -> k.startsWith("head.")
                || k.startsWith("backbone.") || k.startsWith("module."));
        assertThat(sd.keys()).startsWith("cls_token", "pos_embed", "patch_embed.proj.weight",
                "patch_embed.proj.bias", "blocks.0.norm1.weight");
        sd.get("cls_token", 1, 1, 384);
        sd.get("pos_embed", 1, 197, 384);
        sd.get("patch_embed.proj.weight", 384, 3, 16, 16);
        sd.get("blocks.1.attn.qkv.weight", 1152, 384);
        sd.get("blocks.1.mlp.fc2.weight", 384, 1536);
        sd.get("norm.bias", 384);
        // storage 44 holds the teacher's blocks.0.attn.qkv.weight (pickletools on the fixture's data.pkl)
        assertThat(sd.get("blocks.0.attn.qkv.weight").data()).isEqualTo(rawFloats(file, "vit256/data/44"));
        assertThat(sd.get("cls_token").data()).isEqualTo(rawFloats(file, "vit256/data/38"));
    }

    @Test
    void readingTheFixtureTeacherTouchesOnlyTheTeacherBackboneStorages() {
        Path file = CheckpointFixtures.reference("vit256.pth");
        try (TorchZipReader reader = TorchZipReader.open(file)) {
            reader.read(null);
            // the fixture's teacher backbone is storages 38-67; student 0-37, teacher head 68-75, optimizer 76+
            assertThat(reader.storageEntriesRead()).hasSize(30).allSatisfy(name -> {
                int key = Integer.parseInt(name.substring("vit256/data/".length()));
                assertThat(key).isBetween(38, 67);
            });
        }
    }

    @Test
    void readsTheFixtureVit4kAndStudent() throws Exception {
        Path file = CheckpointFixtures.reference("vit4k.pth");
        StateDict teacher = CheckpointReader.read(file);
        StateDict student = CheckpointReader.read(file, "student");

        assertThat(teacher.countIndexed("blocks.")).isEqualTo(2);
        teacher.get("phi.0.weight", 192, 384);
        teacher.get("pos_embed", 1, 197, 192);
        teacher.get("blocks.0.attn.qkv.weight", 576, 192);
        assertThat(student.keys()).containsExactlyElementsOf(teacher.keys());
        assertThat(teacher.get("phi.0.weight").data()).isEqualTo(rawFloats(file, "vit4k/data/40"));
    }

    @Test
    void readsTheFixtureSlideHeadsAsPlainStateDicts() throws Exception {
        for (String name : List.of("slide_subtype.pt", "slide_survival.pt")) {
            Path file = CheckpointFixtures.reference(name);
            StateDict sd = CheckpointReader.read(file);

            assertThat(sd.keys()).first().isEqualTo("local_vit.cls_token");
            assertThat(sd.withPrefix("local_vit.").countIndexed("blocks.")).isEqualTo(2);
            sd.get("global_phi.0.weight", 192, 192);
            sd.get("global_transformer.layers.1.self_attn.in_proj_weight", 576, 192);
            sd.get("global_attn_pool.attention_c.weight", 1, 192);
            assertThat(sd.get("classifier.weight").shape()[1]).isEqualTo(192);
            String archive = name.substring(0, name.indexOf('.'));
            assertThat(sd.get("local_vit.cls_token").data()).isEqualTo(rawFloats(file, archive + "/data/0"));
        }
        StateDict subtype = CheckpointReader.read(CheckpointFixtures.reference("slide_subtype.pt"));
        subtype.get("classifier.weight", 3, 192);
    }

    @Test
    void sha256OfAFixtureMatchesAnIndependentDigest() throws Exception {
        Path file = CheckpointFixtures.reference("vit4k.pth");
        String expected = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256")
                .digest(Files.readAllBytes(file)));

        assertThat(CheckpointReader.sha256(file)).isEqualTo(expected);
    }

    @Test
    void aTruncatedFixtureIsReportedAsTruncated() throws IOException {
        byte[] bytes = Files.readAllBytes(CheckpointFixtures.reference("vit4k.pth"));
        Path truncated = Files.write(tmp.resolve("vit4k.pth"), java.util.Arrays.copyOf(bytes, 1_000_000));

        assertThatThrownBy(() -> CheckpointReader.read(truncated))
                .isInstanceOf(CheckpointException.class)
                .hasMessageStartingWith("truncated or corrupt checkpoint");
    }

    /** The float32 values of a zip entry, read straight from the archive (independent of the reader under test). */
    static float[] rawFloats(Path file, String entry) throws IOException {
        try (ZipFile zip = new ZipFile(file.toFile()); InputStream in = zip.getInputStream(zip.getEntry(entry))) {
            ByteBuffer b = ByteBuffer.wrap(in.readAllBytes()).order(ByteOrder.LITTLE_ENDIAN);
            float[] out = new float[b.remaining() / 4];
            b.asFloatBuffer().get(out);
            return out;
        }
    }
}
