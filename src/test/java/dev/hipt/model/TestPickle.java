package dev.hipt.model;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;

/**
 * Writes pickle opcodes by hand, so tests can build checkpoints the writer under test would never make: DINO
 * layouts, half-precision storages, strided views, and hostile pickles naming {@code os.system}.
 */
final class TestPickle {

    private final ByteArrayOutputStream out = new ByteArrayOutputStream();

    TestPickle() {
        out.write(0x80);
        out.write(2);
    }

    TestPickle global(String module, String name) {
        out.write('c');
        out.writeBytes((module + "\n" + name + "\n").getBytes(StandardCharsets.US_ASCII));
        return this;
    }

    /** Protocol 4's STACK_GLOBAL: module and name come from the stack. */
    TestPickle stackGlobal(String module, String name) {
        str(module);
        str(name);
        out.write(0x93);
        return this;
    }

    TestPickle str(String s) {
        byte[] utf8 = s.getBytes(StandardCharsets.UTF_8);
        out.write('X');
        out.writeBytes(ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt(utf8.length).array());
        out.writeBytes(utf8);
        return this;
    }

    TestPickle integer(long v) {
        out.write('J');
        out.writeBytes(ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt((int) v).array());
        return this;
    }

    TestPickle longs(long... values) {
        mark();
        for (long v : values) {
            integer(v);
        }
        return tuple();
    }

    TestPickle bool(boolean v) {
        out.write(v ? 0x88 : 0x89);
        return this;
    }

    TestPickle mark() {
        out.write('(');
        return this;
    }

    TestPickle tuple() {
        out.write('t');
        return this;
    }

    TestPickle emptyTuple() {
        out.write(')');
        return this;
    }

    TestPickle emptyDict() {
        out.write('}');
        return this;
    }

    TestPickle emptyList() {
        out.write(']');
        return this;
    }

    TestPickle reduce() {
        out.write('R');
        return this;
    }

    TestPickle newobj() {
        out.write(0x81);
        return this;
    }

    TestPickle build() {
        out.write('b');
        return this;
    }

    TestPickle setitem() {
        out.write('s');
        return this;
    }

    TestPickle setitems() {
        out.write('u');
        return this;
    }

    TestPickle orderedDict() {
        return global("collections", "OrderedDict").emptyTuple().reduce();
    }

    /** {@code _rebuild_tensor_v2(storage(type, key, numel), offset, size, stride, False, OrderedDict())}. */
    TestPickle tensor(String storageType, String key, long numel, long offset, long[] size, long[] stride) {
        global("torch._utils", "_rebuild_tensor_v2");
        mark();
        mark().str("storage").global("torch", storageType).str(key).str("cpu").integer(numel).tuple();
        out.write('Q');
        integer(offset);
        longs(size);
        longs(stride);
        bool(false);
        orderedDict();
        tuple();
        return reduce();
    }

    /** A contiguous float32 tensor owning storage {@code key}. */
    TestPickle floatTensor(String key, long... size) {
        return tensor("FloatStorage", key, Tensor.numel(size), 0, size, TorchCheckpointWriter.contiguousStride(size));
    }

    TestPickle stop() {
        out.write('.');
        return this;
    }

    byte[] bytes() {
        return out.toByteArray();
    }

    /** Writes a zip checkpoint: {@code archive/data.pkl} plus {@code archive/<name>} for every other entry. */
    static Path zip(Path file, byte[] pickle, Map<String, byte[]> entries) throws IOException {
        try (OutputStream os = Files.newOutputStream(file); ZipOutputStream zip = new ZipOutputStream(os)) {
            zip.putNextEntry(new ZipEntry("archive/data.pkl"));
            zip.write(pickle);
            zip.closeEntry();
            for (Map.Entry<String, byte[]> e : entries.entrySet()) {
                zip.putNextEntry(new ZipEntry("archive/" + e.getKey()));
                zip.write(e.getValue());
                zip.closeEntry();
            }
        }
        return file;
    }

    static byte[] floats(float... values) {
        ByteBuffer b = ByteBuffer.allocate(4 * values.length).order(ByteOrder.LITTLE_ENDIAN);
        for (float v : values) {
            b.putFloat(v);
        }
        return b.array();
    }

    static byte[] shorts(int... values) {
        ByteBuffer b = ByteBuffer.allocate(2 * values.length).order(ByteOrder.LITTLE_ENDIAN);
        for (int v : values) {
            b.putShort((short) v);
        }
        return b.array();
    }

    static byte[] doubles(double... values) {
        ByteBuffer b = ByteBuffer.allocate(8 * values.length).order(ByteOrder.LITTLE_ENDIAN);
        for (double v : values) {
            b.putDouble(v);
        }
        return b.array();
    }

    static byte[] int64s(long... values) {
        ByteBuffer b = ByteBuffer.allocate(8 * values.length).order(ByteOrder.LITTLE_ENDIAN);
        for (long v : values) {
            b.putLong(v);
        }
        return b.array();
    }
}
