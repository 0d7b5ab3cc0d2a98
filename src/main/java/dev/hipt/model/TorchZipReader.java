package dev.hipt.model;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Enumeration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;

import dev.hipt.model.RestrictedUnpickler.TensorRef;

/**
 * One PyTorch zip checkpoint ({@code torch.save} since 1.6): {@code <archive>/data.pkl} holds the object graph,
 * {@code <archive>/data/<key>} the raw storages. The pickle is parsed in full first (it is small: tensors are only
 * references), an entry is selected, and only then are the storages of the selected tensors read, each by random
 * access into the zip, so the student and optimizer state of a DINO checkpoint are never loaded.
 */
final class TorchZipReader implements AutoCloseable {

    private static final Set<String> DINO_ENTRIES = Set.of("teacher", "student");
    private static final List<String> STATE_DICT_ENTRIES = List.of("state_dict", "model");

    private final Path file;
    private final ZipFile zip;
    private final String prefix;
    private final ByteOrder order;
    private final List<String> storageEntriesRead = new ArrayList<>();

    private TorchZipReader(Path file, ZipFile zip, String prefix, ByteOrder order) {
        this.file = file;
        this.zip = zip;
        this.prefix = prefix;
        this.order = order;
    }

    static TorchZipReader open(Path file) {
        ZipFile zip;
        try {
            zip = new ZipFile(file.toFile());
        } catch (IOException e) {
            throw corrupt(file, e);
        }
        try {
            String prefix = archivePrefix(file, zip);
            return new TorchZipReader(file, zip, prefix, byteOrder(file, zip, prefix));
        } catch (RuntimeException e) {
            closeQuietly(zip);
            throw e;
        }
    }

    /**
     * The tensors of {@code entry}, or (when {@code entry} is null) of the entry a checkpoint of this layout is
     * used by: {@code teacher} of a DINO checkpoint, else {@code state_dict} or {@code model}, else the top-level
     * dict itself. {@code teacher} and {@code student} lose their {@code module.}/{@code backbone.} prefixes and
     * their {@code head.*} parameters.
     */
    StateDict read(String entry) {
        Object top = parsePickle();
        if (!(top instanceof Map<?, ?> topMap)) {
            throw new CheckpointException("checkpoint " + file + " holds " + RestrictedUnpickler.describe(top)
                    + " at the top level, not a dict");
        }
        if (entry != null) {
            if (!topMap.containsKey(entry)) {
                throw new CheckpointException("checkpoint " + file + " has no entry '" + entry + "'; entries: "
                        + keyNames(topMap));
            }
            Object value = topMap.get(entry);
            if (!(value instanceof Map<?, ?> selected)) {
                throw new CheckpointException("entry '" + entry + "' of checkpoint " + file + " is "
                        + RestrictedUnpickler.describe(value) + ", not a dict of tensors");
            }
            return DINO_ENTRIES.contains(entry) ? materialize(dinoBackbone(selected)) : materialize(tensors(selected));
        }
        if (topMap.get("teacher") instanceof Map<?, ?> teacher) {
            return materialize(dinoBackbone(teacher));
        }
        for (String name : STATE_DICT_ENTRIES) {
            if (topMap.get(name) instanceof Map<?, ?> candidate && !tensors(candidate).isEmpty()) {
                return materialize(tensors(candidate));
            }
        }
        Map<String, TensorRef> plain = tensors(topMap);
        if (plain.isEmpty()) {
            throw new CheckpointException("checkpoint " + file + " holds no tensors at the top level and no teacher,"
                    + " state_dict or model entry; entries: " + keyNames(topMap));
        }
        return materialize(plain);
    }

    /**
     * The whole object graph with every tensor read: dicts as {@link LinkedHashMap}s (keys as stored), lists and
     * tuples as {@link List}s, {@code argparse.Namespace}s as maps of their fields, tensors as {@link Tensor}s, and
     * strings, numbers, booleans and {@code None} as themselves.
     */
    Object readTree() {
        return plain(parsePickle());
    }

    private Object plain(Object value) {
        if (value instanceof TensorRef ref) {
            return readTensor("?", ref);
        }
        if (value instanceof RestrictedUnpickler.Namespace ns) {
            return plain(ns.fields());
        }
        if (value instanceof Map<?, ?> map) {
            Map<Object, Object> out = new LinkedHashMap<>();
            map.forEach((k, v) -> out.put(k, plain(v)));
            return out;
        }
        if (value instanceof Object[] tuple) {
            return plain(List.of(tuple));
        }
        if (value instanceof java.util.Collection<?> items) {
            List<Object> out = new ArrayList<>();
            items.forEach(item -> out.add(plain(item)));
            return out;
        }
        return value;
    }

    /** The zip entries of storages read so far, in order (a test hook showing what laziness skipped). */
    List<String> storageEntriesRead() {
        return Collections.unmodifiableList(storageEntriesRead);
    }

    Object parsePickle() {
        ZipEntry entry = zip.getEntry(prefix + "data.pkl");
        byte[] pickle;
        try (InputStream in = zip.getInputStream(entry)) {
            pickle = in.readAllBytes();
        } catch (IOException e) {
            throw corrupt(file, e);
        }
        RestrictedUnpickler unpickler = new RestrictedUnpickler();
        try {
            return unpickler.loads(pickle);
        } catch (CheckpointException e) {
            throw new CheckpointException(e.getMessage() + " (in " + file + ")", e);
        } catch (IOException | RuntimeException e) {
            throw new CheckpointException("corrupt pickle in checkpoint " + file + ": " + e, e);
        } finally {
            unpickler.close();
        }
    }

    private static Map<String, TensorRef> dinoBackbone(Map<?, ?> entry) {
        Map<String, TensorRef> out = new LinkedHashMap<>();
        tensors(entry).forEach((name, tensor) -> {
            String stripped = stripPrefix(stripPrefix(name, "module."), "backbone.");
            if (!stripped.startsWith("head.")) {
                out.put(stripped, tensor);
            }
        });
        return out;
    }

    private static String stripPrefix(String name, String prefix) {
        return name.startsWith(prefix) ? name.substring(prefix.length()) : name;
    }

    /** The string-keyed tensors of a dict; other values (counters, nested dicts) are not parameters. */
    private static Map<String, TensorRef> tensors(Map<?, ?> dict) {
        Map<String, TensorRef> out = new LinkedHashMap<>();
        dict.forEach((k, v) -> {
            if (k instanceof String name && v instanceof TensorRef tensor) {
                out.put(name, tensor);
            }
        });
        return out;
    }

    private StateDict materialize(Map<String, TensorRef> selected) {
        Map<String, Tensor> out = new LinkedHashMap<>();
        selected.forEach((name, ref) -> out.put(name, readTensor(name, ref)));
        return new StateDict(out);
    }

    private Tensor readTensor(String name, TensorRef ref) {
        long numel = Tensor.numel(ref.size());
        if (numel > Integer.MAX_VALUE - 8) {
            throw new CheckpointException("tensor '" + name + "' in " + file + " has " + numel
                    + " elements, more than a Java array holds");
        }
        if (numel == 0) {
            return new Tensor(ref.size(), new float[0]);
        }
        long span = 1;
        for (int d = 0; d < ref.size().length; d++) {
            span += (ref.size()[d] - 1) * ref.stride()[d];
        }
        if (numel > ref.storage().numel()) {
            // an expanded (stride 0) view: real state dicts hold none, and a forged one must not make us allocate
            throw new CheckpointException("tensor '" + name + "' in " + file + " has " + numel
                    + " elements but its storage " + ref.storage().key() + " only " + ref.storage().numel()
                    + "; save it with .contiguous()");
        }
        if (ref.offset() + span > ref.storage().numel()) {
            throw new CheckpointException("tensor '" + name + "' in " + file + " reaches element "
                    + (ref.offset() + span) + " of storage " + ref.storage().key() + ", which holds "
                    + ref.storage().numel());
        }
        int elementSize = ref.storage().dtype().size();
        long byteLength = span * elementSize;
        if (byteLength > Integer.MAX_VALUE - 8) {
            throw new CheckpointException("tensor '" + name + "' in " + file + " spans " + byteLength
                    + " bytes, more than one read supports");
        }
        ByteBuffer bytes = ByteBuffer.wrap(readStorage(name, ref, ref.offset() * elementSize, (int) byteLength))
                .order(order);
        TorchDtype dtype = ref.storage().dtype();
        float[] data = new float[(int) numel];
        if (isContiguous(ref.size(), ref.stride())) {
            for (int i = 0; i < data.length; i++) {
                data[i] = dtype.read(bytes, i);
            }
        } else {
            copyStrided(bytes, dtype, ref.size(), ref.stride(), data);
        }
        return new Tensor(ref.size(), data);
    }

    private byte[] readStorage(String tensorName, TensorRef ref, long start, int length) {
        String entryName = prefix + "data/" + ref.storage().key();
        ZipEntry entry = zip.getEntry(entryName);
        if (entry == null) {
            throw new CheckpointException("checkpoint " + file + " lacks storage entry " + entryName
                    + " of tensor '" + tensorName + "'");
        }
        if (entry.getSize() >= 0 && entry.getSize() < start + length) {
            throw new CheckpointException("storage entry " + entryName + " of checkpoint " + file + " holds "
                    + entry.getSize() + " bytes, tensor '" + tensorName + "' needs " + (start + length));
        }
        storageEntriesRead.add(entryName);
        try (InputStream in = zip.getInputStream(entry)) {
            in.skipNBytes(start);
            byte[] bytes = in.readNBytes(length);
            if (bytes.length < length) {
                throw new CheckpointException("storage entry " + entryName + " of checkpoint " + file
                        + " is too short for tensor '" + tensorName + "'");
            }
            return bytes;
        } catch (IOException e) {
            throw corrupt(file, e);
        }
    }

    static boolean isContiguous(long[] size, long[] stride) {
        long expected = 1;
        for (int d = size.length - 1; d >= 0; d--) {
            if (size[d] != 1 && stride[d] != expected) {
                return false;
            }
            expected *= size[d];
        }
        return true;
    }

    /** Gathers a strided view into row-major order; positions are relative to the view's first element. */
    private static void copyStrided(ByteBuffer bytes, TorchDtype dtype, long[] size, long[] stride, float[] out) {
        int rank = size.length;
        long[] index = new long[rank];
        long position = 0;
        for (int i = 0; i < out.length; i++) {
            out[i] = dtype.read(bytes, (int) position);
            for (int d = rank - 1; d >= 0; d--) {
                index[d]++;
                position += stride[d];
                if (index[d] < size[d]) {
                    break;
                }
                position -= stride[d] * size[d];
                index[d] = 0;
            }
        }
    }

    private static String archivePrefix(Path file, ZipFile zip) {
        Enumeration<? extends ZipEntry> entries = zip.entries();
        while (entries.hasMoreElements()) {
            String name = entries.nextElement().getName();
            int slash = name.indexOf('/');
            if (slash > 0 && name.substring(slash + 1).equals("data.pkl")) {
                return name.substring(0, slash + 1);
            }
        }
        throw new CheckpointException("checkpoint " + file + " is a zip archive without <archive>/data.pkl:"
                + " not a PyTorch checkpoint");
    }

    private static ByteOrder byteOrder(Path file, ZipFile zip, String prefix) {
        ZipEntry entry = zip.getEntry(prefix + "byteorder");
        if (entry == null) {
            return ByteOrder.LITTLE_ENDIAN; // written before torch 2.1, which only saved little-endian
        }
        try (InputStream in = zip.getInputStream(entry)) {
            String value = new String(in.readNBytes(16), StandardCharsets.US_ASCII).trim();
            return switch (value) {
                case "little" -> ByteOrder.LITTLE_ENDIAN;
                case "big" -> ByteOrder.BIG_ENDIAN;
                default -> throw new CheckpointException("checkpoint " + file + " has unknown byteorder '"
                        + value + "'");
            };
        } catch (IOException e) {
            throw corrupt(file, e);
        }
    }

    private static String keyNames(Map<?, ?> map) {
        List<String> names = new ArrayList<>();
        map.keySet().forEach(k -> names.add(String.valueOf(k)));
        return names.toString();
    }

    static CheckpointException corrupt(Path file, IOException e) {
        return new CheckpointException("truncated or corrupt checkpoint " + file + ": " + e.getMessage(), e);
    }

    private static void closeQuietly(ZipFile zip) {
        try {
            zip.close();
        } catch (IOException ignored) {
            // already failing; the first error is the one to report
        }
    }

    @Override
    public void close() {
        closeQuietly(zip);
    }
}
