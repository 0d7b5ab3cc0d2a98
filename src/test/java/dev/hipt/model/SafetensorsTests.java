package dev.hipt.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

class SafetensorsTests {

    @TempDir
    Path tmp;

    static StateDict sample() {
        Map<String, Tensor> tensors = new LinkedHashMap<>();
        tensors.put("pos_embed", new Tensor(new long[] {1, 3, 2}, new float[] {0.1f, -0.2f, 3e-8f, 4e7f, -0f, 6}));
        tensors.put("blocks.0.norm1.weight", new Tensor(new long[] {2}, new float[] {1, Float.MIN_VALUE}));
        tensors.put("scalar", new Tensor(new long[] {}, new float[] {7}));
        tensors.put("empty", new Tensor(new long[] {0, 4}, new float[0]));
        return new StateDict(tensors);
    }

    @Test
    void roundTripsTensorsAndMetadataExactly() {
        Path file = tmp.resolve("weights.safetensors");
        Safetensors.write(file, sample(), Map.of("sha256", "abc", "note", "quote \" and \u00e9"));

        StateDict back = Safetensors.read(file);

        assertThat(back.keys()).containsExactlyElementsOf(sample().keys());
        sample().asMap().forEach((name, t) -> {
            assertThat(back.get(name).shape()).isEqualTo(t.shape());
            assertThat(back.get(name).data()).isEqualTo(t.data());
        });
        assertThat(Safetensors.metadata(file)).containsEntry("sha256", "abc")
                .containsEntry("note", "quote \" and \u00e9");
        assertThat(tmp.resolve("weights.safetensors.tmp")).doesNotExist();
    }

    @Test
    void writesTheStandardLayout() throws IOException {
        Path file = tmp.resolve("w.safetensors");
        Safetensors.write(file, sample(), Map.of("k", "v"));
        byte[] bytes = Files.readAllBytes(file);

        long headerLength = ByteBuffer.wrap(bytes, 0, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
        assertThat(headerLength % 8).isZero();
        JsonNode header = JsonMapper.builder().build()
                .readTree(new String(bytes, 8, (int) headerLength, StandardCharsets.UTF_8));
        assertThat(header.get("__metadata__").get("k").asString()).isEqualTo("v");
        JsonNode norm = header.get("blocks.0.norm1.weight");
        assertThat(norm.get("dtype").asString()).isEqualTo("F32");
        assertThat(norm.get("shape").toString()).isEqualTo("[2]");
        assertThat(norm.get("data_offsets").toString()).isEqualTo("[24,32]");
        float first = ByteBuffer.wrap(bytes, 8 + (int) headerLength + 24, 4).order(ByteOrder.LITTLE_ENDIAN).getFloat();
        assertThat(first).isEqualTo(1f);
        assertThat(bytes.length).isEqualTo(8 + headerLength + 4 * (6 + 2 + 1));
    }

    @Test
    void readsHalfPrecisionWrittenByOthersAndIsFoundByContentNotName() throws IOException {
        String json = "{\"b\":{\"dtype\":\"BF16\",\"shape\":[1],\"data_offsets\":[2,4]},"
                + "\"a\":{\"dtype\":\"F16\",\"shape\":[1],\"data_offsets\":[0,2]}}";
        byte[] header = json.getBytes(StandardCharsets.UTF_8);
        ByteBuffer file = ByteBuffer.allocate(8 + header.length + 4).order(ByteOrder.LITTLE_ENDIAN);
        file.putLong(header.length).put(header).putShort((short) 0x3C00).putShort((short) 0xC040); // 1.0, -3.0
        Path path = Files.write(tmp.resolve("model.pth"), file.array());

        StateDict sd = CheckpointReader.read(path);

        assertThat(sd.keys()).containsExactly("a", "b"); // data order
        assertThat(sd.get("a").data()).containsExactly(1f);
        assertThat(sd.get("b").data()).containsExactly(-3f);
    }

    @Test
    void aTruncatedSafetensorsFileIsAClearError() throws IOException {
        Path whole = tmp.resolve("w.safetensors");
        Safetensors.write(whole, sample(), null);
        byte[] bytes = Files.readAllBytes(whole);
        Path cut = Files.write(tmp.resolve("cut.safetensors"), Arrays.copyOf(bytes, bytes.length - 8));
        Path cutHeader = Files.write(tmp.resolve("cuth.safetensors"), Arrays.copyOf(bytes, 20));

        assertThatThrownBy(() -> CheckpointReader.read(cut))
                .isInstanceOf(CheckpointException.class)
                .hasMessageContaining("outside the")
                .hasMessageContaining("truncated");
        assertThatThrownBy(() -> CheckpointReader.read(cutHeader))
                .isInstanceOf(CheckpointException.class)
                .hasMessageStartingWith("truncated or corrupt checkpoint");
    }

    @Test
    void aHeaderWhoseSizesDisagreeWithTheShapeIsRefused() throws IOException {
        String json = "{\"a\":{\"dtype\":\"F32\",\"shape\":[3],\"data_offsets\":[0,8]}}";
        byte[] header = json.getBytes(StandardCharsets.UTF_8);
        ByteBuffer file = ByteBuffer.allocate(8 + header.length + 8).order(ByteOrder.LITTLE_ENDIAN);
        file.putLong(header.length).put(header);
        Path path = Files.write(tmp.resolve("bad.safetensors"), file.array());

        assertThatThrownBy(() -> Safetensors.read(path))
                .isInstanceOf(CheckpointException.class)
                .hasMessageContaining("'a'")
                .hasMessageContaining("shape [3] but 8 bytes");
    }

    @Test
    void fixtureWeightsSurviveASafetensorsRoundTrip() {
        StateDict vit4k = CheckpointReader.read(CheckpointFixtures.reference("vit4k.pth"));
        Path file = tmp.resolve("vit4k.safetensors");
        Safetensors.write(file, vit4k, Map.of());

        StateDict back = CheckpointReader.read(file);

        assertThat(back.keys()).containsExactlyElementsOf(vit4k.keys());
        vit4k.asMap().forEach((name, t) -> assertThat(back.get(name).data()).isEqualTo(t.data()));
    }
}
