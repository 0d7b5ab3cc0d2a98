package dev.hipt.model;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import tools.jackson.core.JacksonException;
import tools.jackson.databind.json.JsonMapper;

/**
 * The safetensors format: an 8-byte little-endian header length, a JSON header mapping each tensor name to its
 * {@code dtype}, {@code shape} and {@code data_offsets} (relative to the end of the header) plus an optional
 * {@code __metadata__} map of strings, then the raw little-endian tensor bytes. We write float32 ({@code F32}); we
 * read F32, F16, BF16, F64 and integer/bool tensors, all as float32.
 */
public final class Safetensors {

    static final String METADATA = "__metadata__";
    private static final long MAX_HEADER = 100L << 20;
    private static final int CHUNK_FLOATS = 1 << 16;
    private static final JsonMapper JSON = JsonMapper.builder().build();

    private Safetensors() {
    }

    /**
     * All tensors of a safetensors file, in the order of their data in the file, as float32.
     *
     * @throws CheckpointException if the file is not safetensors, is truncated, or its header is inconsistent
     */
    public static StateDict read(Path file) {
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
            Header header = readHeader(file, channel);
            List<Map.Entry<String, Object>> entries = new ArrayList<>();
            header.json().forEach((name, value) -> {
                if (!METADATA.equals(name)) {
                    entries.add(Map.entry(name, value));
                }
            });
            List<Entry> parsed = new ArrayList<>();
            for (Map.Entry<String, Object> e : entries) {
                parsed.add(entry(file, e.getKey(), e.getValue(), channel.size() - header.dataStart()));
            }
            parsed.sort(Comparator.comparingLong(Entry::begin));
            Map<String, Tensor> tensors = new LinkedHashMap<>();
            for (Entry e : parsed) {
                tensors.put(e.name(), readTensor(file, channel, header.dataStart(), e));
            }
            return new StateDict(tensors);
        } catch (IOException e) {
            throw new CheckpointException("truncated or corrupt checkpoint " + file + ": " + e.getMessage(), e);
        }
    }

    /** The {@code __metadata__} strings of a safetensors file (empty when it has none). */
    public static Map<String, String> metadata(Path file) {
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
            Object metadata = readHeader(file, channel).json().get(METADATA);
            Map<String, String> out = new LinkedHashMap<>();
            if (metadata instanceof Map<?, ?> map) {
                map.forEach((k, v) -> out.put(String.valueOf(k), String.valueOf(v)));
            } else if (metadata != null) {
                throw new CheckpointException("safetensors file " + file + " has a __metadata__ that is not a map");
            }
            return out;
        } catch (IOException e) {
            throw new CheckpointException("truncated or corrupt checkpoint " + file + ": " + e.getMessage(), e);
        }
    }

    /**
     * Writes {@code tensors} as float32 in their {@link StateDict} order, with {@code metadata} (may be null or
     * empty) as {@code __metadata__}. The file is written beside its target and moved into place, so readers never
     * see half a file.
     */
    public static void write(Path file, StateDict tensors, Map<String, String> metadata) {
        Map<String, Object> header = new LinkedHashMap<>();
        if (metadata != null && !metadata.isEmpty()) {
            header.put(METADATA, new LinkedHashMap<>(metadata));
        }
        long offset = 0;
        for (Map.Entry<String, Tensor> e : tensors.asMap().entrySet()) {
            long bytes = 4L * e.getValue().data().length;
            Map<String, Object> info = new LinkedHashMap<>();
            info.put("dtype", "F32");
            info.put("shape", e.getValue().shape());
            info.put("data_offsets", new long[] {offset, offset + bytes});
            header.put(e.getKey(), info);
            offset += bytes;
        }
        byte[] json = JSON.writeValueAsBytes(header);
        int padded = (json.length + 7) / 8 * 8; // keeps the data 8-byte aligned, as the reference writer does
        byte[] headerBytes = Arrays.copyOf(json, padded);
        Arrays.fill(headerBytes, json.length, padded, (byte) ' ');

        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        try (OutputStream out = new java.io.BufferedOutputStream(Files.newOutputStream(tmp), 1 << 20)) {
            out.write(ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(padded).array());
            out.write(headerBytes);
            for (Tensor t : tensors.asMap().values()) {
                writeFloats(out, t.data());
            }
        } catch (IOException e) {
            deleteQuietly(tmp);
            throw new CheckpointException("cannot write safetensors file " + file + ": " + e, e);
        }
        move(tmp, file);
    }

    /** Writes floats little-endian in bounded chunks, so a large tensor needs no second full-size copy. */
    static void writeFloats(OutputStream out, float[] data) throws IOException {
        ByteBuffer chunk = ByteBuffer.allocate(4 * Math.min(CHUNK_FLOATS, Math.max(1, data.length)))
                .order(ByteOrder.LITTLE_ENDIAN);
        for (int start = 0; start < data.length; start += CHUNK_FLOATS) {
            int end = Math.min(data.length, start + CHUNK_FLOATS);
            chunk.clear();
            chunk.asFloatBuffer().put(data, start, end - start);
            out.write(chunk.array(), 0, 4 * (end - start));
        }
    }

    static void move(Path tmp, Path file) {
        try {
            try {
                Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            } catch (java.nio.file.AtomicMoveNotSupportedException e) {
                Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING);
            }
        } catch (IOException e) {
            deleteQuietly(tmp);
            throw new CheckpointException("cannot write checkpoint " + file + ": " + e, e);
        }
    }

    static void deleteQuietly(Path path) {
        try {
            Files.deleteIfExists(path);
        } catch (IOException ignored) {
            // best effort: the write already failed
        }
    }

    private record Header(Map<String, Object> json, long dataStart) {
    }

    private record Entry(String name, TorchDtype dtype, long[] shape, long begin, long end) {
    }

    private static Header readHeader(Path file, FileChannel channel) throws IOException {
        long size = channel.size();
        ByteBuffer lengthBytes = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
        readFully(channel, lengthBytes, 0);
        lengthBytes.flip();
        if (lengthBytes.remaining() < 8) {
            throw new CheckpointException("truncated or corrupt checkpoint " + file + ": shorter than a safetensors"
                    + " header");
        }
        long length = lengthBytes.getLong();
        if (length < 2 || length > MAX_HEADER || length > size - 8) {
            throw new CheckpointException("truncated or corrupt checkpoint " + file + ": safetensors header of "
                    + length + " bytes does not fit a file of " + size + " bytes");
        }
        ByteBuffer json = ByteBuffer.allocate((int) length);
        readFully(channel, json, 8);
        Map<String, Object> parsed;
        try {
            @SuppressWarnings("unchecked")
            Map<String, Object> map = JSON.readValue(new String(json.array(), StandardCharsets.UTF_8), Map.class);
            parsed = map;
        } catch (JacksonException e) {
            throw new CheckpointException("corrupt safetensors header in " + file + ": " + e.getOriginalMessage(), e);
        }
        if (parsed == null) {
            throw new CheckpointException("corrupt safetensors header in " + file + ": not a JSON object");
        }
        return new Header(parsed, 8 + length);
    }

    private static Entry entry(Path file, String name, Object value, long dataLength) {
        if (!(value instanceof Map<?, ?> info)) {
            throw new CheckpointException("safetensors tensor '" + name + "' in " + file + " is not described by an"
                    + " object");
        }
        TorchDtype dtype = info.get("dtype") instanceof String s ? TorchDtype.forSafetensors(s) : null;
        if (dtype == null) {
            throw new CheckpointException("safetensors tensor '" + name + "' in " + file + " has unsupported dtype "
                    + info.get("dtype"));
        }
        long[] shape = longs(file, name, "shape", info.get("shape"));
        long[] offsets = longs(file, name, "data_offsets", info.get("data_offsets"));
        if (offsets.length != 2 || offsets[0] > offsets[1] || offsets[1] > dataLength) {
            throw new CheckpointException("safetensors tensor '" + name + "' in " + file + " has data_offsets "
                    + Arrays.toString(offsets) + " outside the " + dataLength + " data bytes (truncated file?)");
        }
        long numel = Tensor.numel(shape);
        if (offsets[1] - offsets[0] != numel * dtype.size()) {
            throw new CheckpointException("safetensors tensor '" + name + "' in " + file + " has shape "
                    + Arrays.toString(shape) + " but " + (offsets[1] - offsets[0]) + " bytes");
        }
        if (numel > Integer.MAX_VALUE - 8 || offsets[1] - offsets[0] > Integer.MAX_VALUE - 8) {
            throw new CheckpointException("safetensors tensor '" + name + "' in " + file + " is too large");
        }
        return new Entry(name, dtype, shape, offsets[0], offsets[1]);
    }

    private static long[] longs(Path file, String name, String field, Object value) {
        if (!(value instanceof List<?> list)) {
            throw new CheckpointException("safetensors tensor '" + name + "' in " + file + " lacks " + field);
        }
        long[] out = new long[list.size()];
        for (int i = 0; i < out.length; i++) {
            if (!(list.get(i) instanceof Number n) || n instanceof Double || n instanceof Float || n.longValue() < 0) {
                throw new CheckpointException("safetensors tensor '" + name + "' in " + file + " has a bad " + field);
            }
            out[i] = n.longValue();
        }
        return out;
    }

    private static Tensor readTensor(Path file, FileChannel channel, long dataStart, Entry e) throws IOException {
        ByteBuffer bytes = ByteBuffer.allocate((int) (e.end() - e.begin())).order(ByteOrder.LITTLE_ENDIAN);
        readFully(channel, bytes, dataStart + e.begin());
        if (bytes.hasRemaining()) {
            throw new CheckpointException("truncated or corrupt checkpoint " + file + ": tensor '" + e.name()
                    + "' is cut short");
        }
        float[] data = new float[(int) Tensor.numel(e.shape())];
        if (e.dtype() == TorchDtype.FLOAT32) {
            bytes.flip();
            bytes.asFloatBuffer().get(data);
        } else {
            for (int i = 0; i < data.length; i++) {
                data[i] = e.dtype().read(bytes, i);
            }
        }
        return new Tensor(e.shape(), data);
    }

    private static void readFully(FileChannel channel, ByteBuffer buffer, long position) throws IOException {
        long at = position;
        while (buffer.hasRemaining()) {
            int n = channel.read(buffer, at);
            if (n < 0) {
                return;
            }
            at += n;
        }
    }
}
