package dev.hipt.model;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;

/**
 * The pickle protocol 2 opcodes PyTorch's archives need (state dicts of {@link TorchCheckpointWriter}, module objects
 * of {@link TorchScriptArchive}), memoizing globals and strings as Python does.
 */
final class PickleOut {
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final Map<String, Integer> memo = new HashMap<>();
    private int nextMemo;

    void proto(int version) {
        out.write(0x80);
        out.write(version);
    }

    void global(String module, String name) {
        if (!get("global:" + module + "\n" + name)) {
            out.write('c');
            out.writeBytes((module + "\n" + name + "\n").getBytes(StandardCharsets.US_ASCII));
            put("global:" + module + "\n" + name);
        }
    }

    void unicode(String s) {
        if (!get("str:" + s)) {
            byte[] utf8 = s.getBytes(StandardCharsets.UTF_8);
            out.write('X');
            out.writeBytes(ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt(utf8.length).array());
            out.writeBytes(utf8);
            put("str:" + s);
        }
    }

    void integer(long v) {
        if (v >= 0 && v < 0x100) {
            out.write('K');
            out.write((int) v);
        } else if (v >= 0 && v < 0x10000) {
            out.write('M');
            out.write((int) v & 0xff);
            out.write((int) (v >>> 8) & 0xff);
        } else if (v >= Integer.MIN_VALUE && v <= Integer.MAX_VALUE) {
            out.write('J');
            out.writeBytes(ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt((int) v).array());
        } else {
            // LONG1: little-endian two's complement, minimal length (v > 2^31 here, so 5..8 bytes)
            byte[] le = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(v).array();
            int n = 8;
            while (n > 1 && le[n - 1] == 0 && (le[n - 2] & 0x80) == 0) {
                n--;
            }
            out.write(0x8a);
            out.write(n);
            out.write(le, 0, n);
        }
    }

    void tupleOf(long[] values) {
        if (values.length == 0) {
            emptyTuple();
            return;
        }
        if (values.length > 3) {
            mark();
        }
        for (long v : values) {
            integer(v);
        }
        out.write(values.length > 3 ? 't' : 0x84 + values.length);
    }

    void bool(boolean v) {
        out.write(v ? 0x88 : 0x89);
    }

    void emptyTuple() {
        out.write(')');
    }

    void mark() {
        out.write('(');
    }

    void tuple() {
        out.write('t');
    }

    void reduce() {
        out.write('R');
    }

    void binpersid() {
        out.write('Q');
    }

    void setitems() {
        out.write('u');
    }

    void stop() {
        out.write('.');
    }

    void none() {
        out.write('N');
    }

    /** A Python float (BINFLOAT: big-endian IEEE double). */
    void binfloat(double v) {
        out.write('G');
        out.writeBytes(ByteBuffer.allocate(8).order(ByteOrder.BIG_ENDIAN).putDouble(v).array());
    }

    void emptyDict() {
        out.write('}');
    }

    void emptyList() {
        out.write(']');
    }

    void appends() {
        out.write('e');
    }

    void newobj() {
        out.write(0x81);
    }

    void build() {
        out.write('b');
    }

    void memoize() {
        putIndex();
    }

    private boolean get(String key) {
        Integer index = memo.get(key);
        if (index == null) {
            return false;
        }
        if (index < 0x100) {
            out.write('h');
            out.write(index);
        } else {
            out.write('j');
            out.writeBytes(ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt(index).array());
        }
        return true;
    }

    private void put(String key) {
        memo.put(key, nextMemo);
        putIndex();
    }

    private void putIndex() {
        int index = nextMemo++;
        if (index < 0x100) {
            out.write('q');
            out.write(index);
        } else {
            out.write('r');
            out.writeBytes(ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt(index).array());
        }
    }

    byte[] bytes() {
        return out.toByteArray();
    }
}
