package dev.hipt.model;

import java.io.BufferedOutputStream;
import java.io.Closeable;
import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.time.ZoneId;
import java.util.Arrays;
import java.util.zip.CRC32;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;

/**
 * A zip of stored (uncompressed) entries whose data begin on 64-byte boundaries, padded by an {@code FB} extra field
 * as PyTorch's own archive writer pads them: the layout of {@code torch.save} checkpoints and TorchScript archives.
 */
final class StoredZip implements Closeable {

    private static final int ALIGNMENT = 64;
    /** 1980-01-01, the earliest DOS date: fixed, so equal contents give byte-identical files. */
    private static final long ENTRY_TIME = LocalDateTime.of(1980, 1, 1, 0, 0)
            .atZone(ZoneId.systemDefault()).toInstant().toEpochMilli();

    private final CountingOutputStream counting;
    private final ZipOutputStream zip;

    StoredZip(Path file) throws IOException {
        counting = new CountingOutputStream(new BufferedOutputStream(Files.newOutputStream(file), 1 << 20));
        zip = new ZipOutputStream(counting, StandardCharsets.UTF_8);
    }

    void putBytes(String name, byte[] bytes) throws IOException {
        CRC32 crc = new CRC32();
        crc.update(bytes);
        startEntry(name, bytes.length, crc.getValue());
        zip.write(bytes);
        zip.closeEntry();
    }

    /** {@code data} as little-endian float32. */
    void putFloats(String name, float[] data) throws IOException {
        CRC32 crc = new CRC32();
        Safetensors.writeFloats(new OutputStream() {
            @Override
            public void write(int b) {
                crc.update(b);
            }

            @Override
            public void write(byte[] b, int off, int len) {
                crc.update(b, off, len);
            }
        }, data);
        startEntry(name, 4L * data.length, crc.getValue());
        Safetensors.writeFloats(zip, data);
        zip.closeEntry();
    }

    private void startEntry(String name, long size, long crc) throws IOException {
        ZipEntry entry = new ZipEntry(name);
        entry.setMethod(ZipEntry.STORED);
        entry.setSize(size);
        entry.setCompressedSize(size);
        entry.setCrc(crc);
        entry.setTime(ENTRY_TIME);
        int nameLength = name.getBytes(StandardCharsets.UTF_8).length;
        long zip64 = size >= 0xFFFFFFFFL ? 20 : 0; // ZipOutputStream then adds a ZIP64 extra field of its own
        long headerEnd = counting.count() + 30 + nameLength + zip64 + 4;
        int padding = (int) ((ALIGNMENT - headerEnd % ALIGNMENT) % ALIGNMENT);
        byte[] extra = new byte[4 + padding];
        extra[0] = 'F';
        extra[1] = 'B';
        extra[2] = (byte) padding;
        extra[3] = (byte) (padding >>> 8);
        Arrays.fill(extra, 4, extra.length, (byte) 'Z');
        entry.setExtra(extra);
        zip.putNextEntry(entry);
    }

    @Override
    public void close() throws IOException {
        zip.close();
    }

    private static final class CountingOutputStream extends FilterOutputStream {
        private long count;

        CountingOutputStream(OutputStream out) {
            super(out);
        }

        long count() {
            return count;
        }

        @Override
        public void write(int b) throws IOException {
            out.write(b);
            count++;
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            out.write(b, off, len);
            count += len;
        }
    }
}
