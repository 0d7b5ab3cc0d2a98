package dev.hipt.results;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HexFormat;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

class NpyTests {

    /** Headers exactly as {@code numpy.save} (numpy 2.4.6) wrote them for float32 arrays of these shapes. */
    private static final String PREFIX = "934e554d5059010076007b276465736372273a20273c6634272c2027666f727472616e5f6f72"
            + "646572273a2046616c73652c20277368617065273a20";

    @Test
    void headersAreByteForByteWhatNumpyWrites() {
        assertThat(hex(Npy.header(256, 384))).isEqualTo(PREFIX
                + "283235362c20333834292c207d2020202020202020202020202020202020202020202020202020202020202020202020"
                + "202020202020202020202020202020202020200a");
        assertThat(hex(Npy.header(3, 256, 384))).isEqualTo(PREFIX
                + "28332c203235362c20333834292c207d2020202020202020202020202020202020202020202020202020202020202020"
                + "202020202020202020202020202020202020200a");
        assertThat(hex(Npy.header(384))).isEqualTo(PREFIX
                + "283338342c292c207d202020202020202020202020202020202020202020202020202020202020202020202020202020"
                + "202020202020202020202020202020202020200a");
        assertThat(hex(Npy.header())).isEqualTo(PREFIX
                + "28292c207d20202020202020202020202020202020202020202020202020202020202020202020202020202020202020"
                + "202020202020202020202020202020202020200a");
        assertThat(hex(Npy.header(12345678901L, 2))).isEqualTo(PREFIX
                + "2831323334353637383930312c2032292c207d2020202020202020202020202020202020202020202020202020202020"
                + "202020202020202020202020202020202020200a");
    }

    @Test
    void headerLengthKeepsTheDataAlignedTo64Bytes() {
        for (long[] shape : new long[][] {{1}, {0, 256, 384}, {999999, 256, 384}, {7, 7, 7, 7, 7, 7}}) {
            byte[] header = Npy.header(shape);
            assertThat(header.length % 64).as(Arrays.toString(shape)).isZero();
            assertThat(header[header.length - 1]).isEqualTo((byte) '\n');
        }
    }

    @Test
    void roundTripsValuesAndShape() throws IOException {
        float[] data = new float[3 * 256 * 384];
        for (int i = 0; i < data.length; i++) {
            data[i] = (float) Math.sin(i) * 1e3f;
        }
        data[5] = Float.MIN_VALUE;
        data[6] = -0.0f;
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        Npy.write(out, data, 3, 256, 384);

        Npy.Array read = Npy.read(new ByteArrayInputStream(out.toByteArray()));

        assertThat(read.shape()).containsExactly(3, 256, 384);
        assertThat(read.data()).isEqualTo(data);
        assertThat(out.size()).isEqualTo(128 + data.length * 4);
    }

    @Test
    void writesLittleEndianFloat32() throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        Npy.write(out, new float[] {1.0f}, 1);
        byte[] bytes = out.toByteArray();
        assertThat(Arrays.copyOfRange(bytes, bytes.length - 4, bytes.length))
                .containsExactly(0x00, 0x00, (byte) 0x80, 0x3f);
    }

    @Test
    void refusesOtherDtypesFortranOrderAndTruncatedData() {
        assertThatThrownBy(() -> Npy.readHeader(stream(headerWith("{'descr': '<f8', 'fortran_order': False, 'shape': (2,), }"))))
                .hasMessageContaining("<f8");
        assertThatThrownBy(() -> Npy.readHeader(stream(headerWith("{'descr': '<f4', 'fortran_order': True, 'shape': (2, 2), }"))))
                .hasMessageContaining("Fortran");
        assertThatThrownBy(() -> Npy.readHeader(stream("not numpy at all".getBytes())))
                .hasMessageContaining("magic");
        byte[] truncated = Arrays.copyOf(Npy.header(4), Npy.header(4).length + 7);
        assertThatThrownBy(() -> Npy.read(stream(truncated))).hasMessageContaining("ends inside");
        assertThatThrownBy(() -> Npy.write(new ByteArrayOutputStream(), new float[3], 2, 2))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void readsTheReferenceFixturesWrittenByNumpy() throws IOException {
        Path dir = Path.of(System.getProperty("hipt.reference.dir", "../shared/fixtures/hipt-reference"));
        Path file = dir.resolve("region4096_cls256.npy");
        Assumptions.assumeTrue(Files.isRegularFile(file), file + " absent: skipping");
        byte[] bytes = Files.readAllBytes(file);

        Npy.Array array = Npy.read(new ByteArrayInputStream(bytes));

        assertThat(array.shape()).containsExactly(256, 384);
        assertThat(Arrays.copyOf(bytes, Npy.header(256, 384).length)).isEqualTo(Npy.header(256, 384));
        ByteArrayOutputStream rewritten = new ByteArrayOutputStream();
        Npy.write(rewritten, array.data(), array.shape());
        assertThat(rewritten.toByteArray()).isEqualTo(bytes);
    }

    private static byte[] headerWith(String dict) {
        String padded = dict + " ".repeat(117 - dict.length()) + "\n";
        byte[] out = new byte[10 + padded.length()];
        System.arraycopy(Npy.header(1), 0, out, 0, 8);
        out[8] = (byte) padded.length();
        out[9] = 0;
        System.arraycopy(padded.getBytes(), 0, out, 10, padded.length());
        return out;
    }

    private static InputStream stream(byte[] bytes) {
        return new ByteArrayInputStream(bytes);
    }

    private static String hex(byte[] bytes) {
        return HexFormat.of().formatHex(bytes);
    }
}
