package dev.hipt.results;

import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * NumPy's {@code .npy} format for float32 arrays: little-endian ({@code <f4}), C order, format version 1.0. The header
 * is written byte for byte as {@code numpy.save} writes it (including the spare room numpy leaves so a file can grow
 * along its first axis), so files open with {@code numpy.load} and compare equal to numpy's own.
 */
public final class Npy {

    private static final byte[] MAGIC = {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y'};
    /** numpy aligns the data start to this many bytes. */
    private static final int ALIGN = 64;
    /** numpy pads the header so the first dimension can grow to this many digits in place. */
    private static final int GROWTH_DIGITS = 21;
    private static final int CHUNK_FLOATS = 16 * 1024;
    private static final Pattern DESCR = Pattern.compile("'descr'\\s*:\\s*'([^']*)'");
    private static final Pattern FORTRAN = Pattern.compile("'fortran_order'\\s*:\\s*(True|False)");
    private static final Pattern SHAPE = Pattern.compile("'shape'\\s*:\\s*\\(([^)]*)\\)");

    private Npy() {
    }

    /** A float32 array read from an {@code .npy} file. */
    public record Array(long[] shape, float[] data) {
    }

    /** The complete header (magic, version, length, dictionary, padding) for a float32 C-order array. */
    public static byte[] header(long... shape) {
        for (long d : shape) {
            if (d < 0) {
                throw new IllegalArgumentException("negative dimension in " + Arrays.toString(shape));
            }
        }
        StringBuilder dict = new StringBuilder("{'descr': '<f4', 'fortran_order': False, 'shape': ")
                .append(shapeRepr(shape)).append(", }");
        if (shape.length > 0) {
            dict.append(" ".repeat(Math.max(0, GROWTH_DIGITS - Long.toString(shape[0]).length())));
        }
        int prefix = MAGIC.length + 2 + 2;
        int unpadded = prefix + dict.length() + 1;
        // like numpy, an already aligned header still gets a full ALIGN of padding
        int pad = ALIGN - (unpadded % ALIGN);
        dict.append(" ".repeat(pad)).append('\n');
        int headerLength = dict.length();
        if (headerLength > 0xFFFF) {
            throw new IllegalArgumentException("shape " + Arrays.toString(shape) + " needs a version 2 header");
        }
        ByteBuffer buf = ByteBuffer.allocate(prefix + headerLength).order(ByteOrder.LITTLE_ENDIAN);
        buf.put(MAGIC).put((byte) 1).put((byte) 0).putShort((short) headerLength);
        buf.put(dict.toString().getBytes(StandardCharsets.US_ASCII));
        return buf.array();
    }

    /** Writes a whole array: header, then the values. */
    public static void write(OutputStream out, float[] data, long... shape) throws IOException {
        if (numel(shape) != data.length) {
            throw new IllegalArgumentException(
                    "shape " + Arrays.toString(shape) + " holds " + numel(shape) + " values, data has " + data.length);
        }
        out.write(header(shape));
        writeValues(out, data);
    }

    /** Writes values as float32 little-endian without a header, for streaming an array in parts. */
    public static void writeValues(OutputStream out, float[] data) throws IOException {
        ByteBuffer buf = ByteBuffer.allocate(Math.min(data.length, CHUNK_FLOATS) * Float.BYTES)
                .order(ByteOrder.LITTLE_ENDIAN);
        for (int from = 0; from < data.length; from += CHUNK_FLOATS) {
            int to = Math.min(data.length, from + CHUNK_FLOATS);
            buf.clear();
            buf.asFloatBuffer().put(data, from, to - from);
            out.write(buf.array(), 0, (to - from) * Float.BYTES);
        }
    }

    /**
     * Reads and checks a header, leaving the stream at the first value.
     *
     * @return the array's shape
     * @throws IOException when the stream is not a little-endian float32 C-order {@code .npy}
     */
    public static long[] readHeader(InputStream in) throws IOException {
        DataInputStream din = new DataInputStream(in);
        byte[] magic = new byte[MAGIC.length];
        readFully(din, magic, "magic");
        if (!Arrays.equals(magic, MAGIC)) {
            throw new IOException("not an .npy stream: bad magic");
        }
        int major = din.readUnsignedByte();
        din.readUnsignedByte();
        long length;
        if (major == 1) {
            length = Short.toUnsignedInt(Short.reverseBytes(din.readShort()));
        } else if (major == 2 || major == 3) {
            length = Integer.toUnsignedLong(Integer.reverseBytes(din.readInt()));
        } else {
            throw new IOException("unsupported .npy version " + major);
        }
        if (length > 1 << 20) {
            throw new IOException(".npy header of " + length + " bytes is implausible");
        }
        byte[] dict = new byte[(int) length];
        readFully(din, dict, "header");
        String text = new String(dict, major == 3 ? StandardCharsets.UTF_8 : StandardCharsets.ISO_8859_1);
        String descr = group(DESCR, text, "descr");
        if (!descr.equals("<f4")) {
            throw new IOException(".npy dtype " + descr + " is not float32 little-endian (<f4)");
        }
        if (group(FORTRAN, text, "fortran_order").equals("True")) {
            throw new IOException(".npy array in Fortran order is not supported");
        }
        return parseShape(group(SHAPE, text, "shape"));
    }

    /** Reads a whole float32 array. */
    public static Array read(InputStream in) throws IOException {
        long[] shape = readHeader(in);
        long n = numel(shape);
        if (n > Integer.MAX_VALUE - 8) {
            throw new IOException(".npy array of shape " + Arrays.toString(shape) + " is too large to read at once");
        }
        return new Array(shape, readValues(in, (int) n));
    }

    /** Reads {@code count} float32 little-endian values. */
    public static float[] readValues(InputStream in, int count) throws IOException {
        float[] out = new float[count];
        byte[] bytes = new byte[Math.min(count, CHUNK_FLOATS) * Float.BYTES];
        DataInputStream din = new DataInputStream(in);
        for (int from = 0; from < count; from += CHUNK_FLOATS) {
            int n = Math.min(count - from, CHUNK_FLOATS);
            readFully(din, bytes, n * Float.BYTES, "data");
            ByteBuffer.wrap(bytes, 0, n * Float.BYTES).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(out, from, n);
        }
        return out;
    }

    static long numel(long[] shape) {
        long n = 1;
        for (long d : shape) {
            n = Math.multiplyExact(n, d);
        }
        return n;
    }

    private static String shapeRepr(long[] shape) {
        if (shape.length == 1) {
            return "(" + shape[0] + ",)";
        }
        StringBuilder s = new StringBuilder("(");
        for (int i = 0; i < shape.length; i++) {
            s.append(i == 0 ? "" : ", ").append(shape[i]);
        }
        return s.append(')').toString();
    }

    private static long[] parseShape(String inner) throws IOException {
        List<Long> dims = new ArrayList<>();
        for (String part : inner.split(",")) {
            String p = part.strip();
            if (!p.isEmpty()) {
                try {
                    dims.add(Long.parseLong(p.endsWith("L") ? p.substring(0, p.length() - 1) : p));
                } catch (NumberFormatException e) {
                    throw new IOException(".npy shape (" + inner + ") is not a tuple of integers");
                }
            }
        }
        return dims.stream().mapToLong(Long::longValue).toArray();
    }

    private static String group(Pattern pattern, String text, String key) throws IOException {
        Matcher m = pattern.matcher(text);
        if (!m.find()) {
            throw new IOException(".npy header lacks '" + key + "'");
        }
        return m.group(1);
    }

    private static void readFully(DataInputStream in, byte[] buf, String what) throws IOException {
        readFully(in, buf, buf.length, what);
    }

    private static void readFully(DataInputStream in, byte[] buf, int length, String what) throws IOException {
        try {
            in.readFully(buf, 0, length);
        } catch (EOFException e) {
            throw new IOException(".npy stream ends inside its " + what, e);
        }
    }
}
