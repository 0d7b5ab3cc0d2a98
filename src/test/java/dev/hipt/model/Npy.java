package dev.hipt.model;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** A minimal reader of NumPy {@code .npy} files: little-endian float32/float64, C order. Test data only. */
final class Npy {

    private static final Pattern DESCR = Pattern.compile("'descr':\\s*'([^']+)'");
    private static final Pattern FORTRAN = Pattern.compile("'fortran_order':\\s*(True|False)");
    private static final Pattern SHAPE = Pattern.compile("'shape':\\s*\\(([^)]*)\\)");

    private Npy() {
    }

    /** The array in {@code file} as float32 with its shape. */
    static Tensor read(Path file) throws IOException {
        ByteBuffer b = ByteBuffer.wrap(Files.readAllBytes(file)).order(ByteOrder.LITTLE_ENDIAN);
        byte[] magic = new byte[6];
        b.get(magic);
        if (magic[0] != (byte) 0x93 || !new String(magic, 1, 5, StandardCharsets.US_ASCII).equals("NUMPY")) {
            throw new IOException(file + " is not a .npy file");
        }
        int major = b.get() & 0xff;
        b.get();
        int headerLength = major == 1 ? b.getShort() & 0xffff : b.getInt();
        byte[] headerBytes = new byte[headerLength];
        b.get(headerBytes);
        String header = new String(headerBytes, StandardCharsets.ISO_8859_1);
        String descr = group(DESCR, header, file);
        if (group(FORTRAN, header, file).equals("True")) {
            throw new IOException(file + ": Fortran order is not supported");
        }
        long[] shape = Arrays.stream(group(SHAPE, header, file).split(","))
                .map(String::trim).filter(s -> !s.isEmpty()).mapToLong(Long::parseLong).toArray();
        int n = Math.toIntExact(Tensor.numel(shape));
        float[] data = new float[n];
        switch (descr) {
            case "<f4" -> b.asFloatBuffer().get(data);
            case "<f8" -> {
                for (int i = 0; i < n; i++) {
                    data[i] = (float) b.getDouble();
                }
            }
            default -> throw new IOException(file + ": dtype " + descr + " is not supported");
        }
        return new Tensor(shape, data);
    }

    private static String group(Pattern p, String header, Path file) throws IOException {
        Matcher m = p.matcher(header);
        if (!m.find()) {
            throw new IOException(file + ": header lacks " + p.pattern() + ": " + header);
        }
        return m.group(1);
    }
}
