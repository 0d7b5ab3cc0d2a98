package dev.hipt.model;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TorchCheckpointWriterTests {

    @TempDir
    Path tmp;

    private static StateDict manyTensors(int count) {
        Map<String, Tensor> tensors = new LinkedHashMap<>();
        for (int i = 0; i < count; i++) {
            float[] data = new float[i % 5 + 1];
            for (int j = 0; j < data.length; j++) {
                data[j] = i * 10 + j + 0.25f;
            }
            tensors.put("blocks." + i + ".w", new Tensor(new long[] {data.length}, data));
        }
        return new StateDict(tensors);
    }

    @Test
    void roundTripsThroughTheReaderInOrder() {
        Path file = tmp.resolve("model.pt");
        StateDict written = SafetensorsTests.sample();
        TorchCheckpointWriter.write(file, written);

        StateDict read = CheckpointReader.read(file);

        assertThat(read.keys()).containsExactlyElementsOf(written.keys());
        written.asMap().forEach((name, t) -> {
            assertThat(read.get(name).shape()).isEqualTo(t.shape());
            assertThat(read.get(name).data()).isEqualTo(t.data());
        });
    }

    @Test
    void roundTripsMoreTensorsThanOneSetitemsBatchAndLargeDimensions() {
        Map<String, Tensor> tensors = new LinkedHashMap<>(manyTensors(1203).asMap());
        tensors.put("wide", new Tensor(new long[] {1, 70000}, new float[70000]));
        tensors.put("rank5", new Tensor(new long[] {1, 2, 1, 2, 1}, new float[] {1, 2, 3, 4}));
        StateDict written = new StateDict(tensors);
        Path file = tmp.resolve("many.pt");
        TorchCheckpointWriter.write(file, written);

        StateDict read = CheckpointReader.read(file);

        assertThat(read.keys()).containsExactlyElementsOf(written.keys());
        assertThat(read.get("blocks.1202.w").data()).isEqualTo(written.get("blocks.1202.w").data());
        assertThat(read.get("wide").shape()).containsExactly(1, 70000);
        assertThat(read.get("rank5", 1, 2, 1, 2, 1).data()).containsExactly(1, 2, 3, 4);
    }

    @Test
    void writesPytorchsLayoutStoredAndAlignedTo64Bytes() throws IOException {
        Path file = tmp.resolve("model.pt");
        TorchCheckpointWriter.write(file, manyTensors(12));

        List<String> names = new ArrayList<>();
        try (ZipFile zip = new ZipFile(file.toFile())) {
            zip.stream().forEach(e -> {
                names.add(e.getName());
                assertThat(e.getMethod()).isEqualTo(ZipEntry.STORED);
            });
            assertThat(text(zip, "archive/version")).isEqualTo("3\n");
            assertThat(text(zip, "archive/byteorder")).isEqualTo("little");
        }
        assertThat(names).containsExactly("archive/data.pkl", "archive/byteorder", "archive/data/0",
                "archive/data/1", "archive/data/10", "archive/data/11", "archive/data/2", "archive/data/3",
                "archive/data/4", "archive/data/5", "archive/data/6", "archive/data/7", "archive/data/8",
                "archive/data/9", "archive/version");
        assertThat(dataOffsets(file)).hasSize(names.size()).allSatisfy(offset -> assertThat(offset % 64).isZero());
    }

    @Test
    void thePickleIsTheOrderedDictOfTensorRebuildsThatTorchSaveWrites() throws IOException {
        byte[] bytes = TorchCheckpointWriter.pickle(manyTensors(3));
        String pickle = new String(bytes, java.nio.charset.StandardCharsets.ISO_8859_1);

        assertThat(pickle).startsWith("\u0080\u0002ccollections\nOrderedDict\n")
                .contains("ctorch._utils\n_rebuild_tensor_v2\n", "ctorch\nFloatStorage\n", "storage", "cpu")
                .endsWith("u.");
        // the allowlisted unpickler accepts it: it names no other global
        Object parsed = new RestrictedUnpickler().loads(bytes);
        assertThat(parsed).isInstanceOfSatisfying(Map.class, map -> assertThat(map.values())
                .hasSize(3).allMatch(v -> v instanceof RestrictedUnpickler.TensorRef));
    }

    @Test
    void writesTheFixtureSlideHeadBackIdentically() throws IOException {
        Path original = CheckpointFixtures.reference("slide_subtype.pt");
        StateDict sd = CheckpointReader.read(original);
        Path copy = tmp.resolve("copy.pt");

        TorchCheckpointWriter.write(copy, sd);
        StateDict back = CheckpointReader.read(copy);

        assertThat(back.keys()).containsExactlyElementsOf(sd.keys());
        sd.asMap().forEach((name, t) -> assertThat(back.get(name).data()).isEqualTo(t.data()));
        // same layout conventions as the fixture written by torch.save: every data record 64-byte aligned
        assertThat(dataOffsets(original)).allSatisfy(offset -> assertThat(offset % 64).isZero());
    }

    /** The file offset where each entry's data begins, from the local headers (sizes from the central directory). */
    private static List<Long> dataOffsets(Path file) throws IOException {
        byte[] bytes = Files.readAllBytes(file);
        ByteBuffer b = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        List<Long> offsets = new ArrayList<>();
        try (ZipFile zip = new ZipFile(file.toFile())) {
            int at = 0;
            while (b.getInt(at) == 0x04034b50) {
                int nameLength = b.getShort(at + 26) & 0xffff;
                int extraLength = b.getShort(at + 28) & 0xffff;
                String name = new String(bytes, at + 30, nameLength, java.nio.charset.StandardCharsets.UTF_8);
                long data = at + 30L + nameLength + extraLength;
                offsets.add(data);
                at = (int) (data + zip.getEntry(name).getCompressedSize());
                if (b.getInt(at) == 0x08074b50) { // data descriptor (torch.save writes one)
                    at += 16;
                }
            }
        }
        return offsets;
    }

    private static String text(ZipFile zip, String name) throws IOException {
        try (InputStream in = zip.getInputStream(zip.getEntry(name))) {
            return new String(in.readAllBytes(), java.nio.charset.StandardCharsets.US_ASCII);
        }
    }
}
