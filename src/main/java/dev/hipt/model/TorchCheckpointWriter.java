package dev.hipt.model;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Writes PyTorch zip checkpoints that {@code torch.load} reads: {@code archive/data.pkl} (pickle protocol 2),
 * {@code archive/byteorder}, {@code archive/data/<n>} (float32, little-endian) and {@code archive/version}. Entries
 * are stored uncompressed and their data aligned to 64 bytes, as PyTorch's own writer does.
 *
 * <p>{@link #write(Path, StateDict)} writes a plain state dict (a {@code collections.OrderedDict} of
 * {@code torch._utils._rebuild_tensor_v2} calls on persistent-id storages; {@code weights_only=True} reads it).
 * {@link #write(Path, Object)} writes a tree of plain Python values, such as a DINO training checkpoint: see there.
 */
public final class TorchCheckpointWriter {

    static final String ARCHIVE = "archive/";

    /**
     * An {@code argparse.Namespace} (the {@code args} of a DINO checkpoint): pickled as Python does, a
     * {@code NEWOBJ} of the class followed by {@code BUILD} with the fields as its {@code __dict__}.
     *
     * @param fields attribute names to plain values (as {@link #write(Path, Object)} accepts)
     */
    public record Namespace(Map<String, ?> fields) {
    }

    private TorchCheckpointWriter() {
    }

    /**
     * Writes {@code tensors} to {@code file} (replacing it) as a PyTorch state-dict checkpoint; the file is written
     * beside its target and moved into place.
     *
     * @throws CheckpointException if the file cannot be written
     */
    public static void write(Path file, StateDict tensors) {
        write(file, (Object) tensors);
    }

    /**
     * Writes {@code root} to {@code file} (replacing it: written beside it, then moved into place) as
     * {@code torch.save} would write the equivalent Python object. Values may be: {@link StateDict} (an
     * {@code OrderedDict} of tensors, as {@code module.state_dict()}), {@link Tensor} (float32), {@link Map} (a
     * {@code dict}; keys strings or integers), {@link List} (a {@code list}), {@code Object[]} (a {@code tuple}),
     * {@link Namespace}, {@link String}, {@link Integer}/{@link Long}, {@link Float}/{@link Double}, {@link Boolean}
     * and {@code null} ({@code None}).
     *
     * @throws CheckpointException if the file cannot be written
     * @throws IllegalArgumentException for a value of another type
     */
    public static void write(Path file, Object root) {
        List<Tensor> storages = new ArrayList<>();
        byte[] pickle = pickle(root, storages);
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        try (StoredZip zip = new StoredZip(tmp)) {
            zip.putBytes(ARCHIVE + "data.pkl", pickle);
            zip.putBytes(ARCHIVE + "byteorder", "little".getBytes(StandardCharsets.US_ASCII));
            // torch.save writes storages in the string order of their keys: 0, 1, 10, 11, ..., 2, ...
            List<String> sorted = new ArrayList<>();
            for (int i = 0; i < storages.size(); i++) {
                sorted.add(Integer.toString(i));
            }
            sorted.sort(null);
            for (String key : sorted) {
                zip.putFloats(ARCHIVE + "data/" + key, storages.get(Integer.parseInt(key)).data());
            }
            zip.putBytes(ARCHIVE + "version", "3\n".getBytes(StandardCharsets.US_ASCII));
        } catch (IOException e) {
            Safetensors.deleteQuietly(tmp);
            throw new CheckpointException("cannot write checkpoint " + file + ": " + e, e);
        }
        Safetensors.move(tmp, file);
    }

    /** The {@code data.pkl} of a state dict, storage {@code n} holding the n-th tensor. */
    static byte[] pickle(StateDict tensors) {
        return pickle(tensors, new ArrayList<>());
    }

    /** The {@code data.pkl} of {@code root}; every tensor met is appended to {@code storages}, its storage key. */
    static byte[] pickle(Object root, List<Tensor> storages) {
        PickleOut p = new PickleOut();
        p.proto(2);
        value(p, root, storages);
        p.stop();
        return p.bytes();
    }

    private static void value(PickleOut p, Object value, List<Tensor> storages) {
        if (value == null) {
            p.none();
        } else if (value instanceof StateDict dict) {
            orderedDict(p, dict, storages);
        } else if (value instanceof Tensor t) {
            tensor(p, t, storages);
        } else if (value instanceof Map<?, ?> map) {
            p.emptyDict();
            p.memoize();
            items(p, new ArrayList<>(map.entrySet()), storages);
        } else if (value instanceof List<?> list) {
            p.emptyList();
            p.memoize();
            for (int start = 0; start < list.size(); start += 1000) {
                p.mark();
                for (Object item : list.subList(start, Math.min(list.size(), start + 1000))) {
                    value(p, item, storages);
                }
                p.appends();
            }
        } else if (value instanceof Object[] tuple) {
            if (tuple.length == 0) {
                p.emptyTuple();
            } else {
                p.mark();
                for (Object item : tuple) {
                    value(p, item, storages);
                }
                p.tuple();
            }
        } else if (value instanceof Namespace ns) {
            p.global("argparse", "Namespace");
            p.emptyTuple();
            p.newobj();
            p.memoize();
            p.emptyDict();
            p.memoize();
            items(p, new ArrayList<>(ns.fields().entrySet()), storages);
            p.build();
        } else if (value instanceof String s) {
            p.unicode(s);
        } else if (value instanceof Boolean b) {
            p.bool(b);
        } else if (value instanceof Integer || value instanceof Long) {
            p.integer(((Number) value).longValue());
        } else if (value instanceof Float || value instanceof Double) {
            p.binfloat(((Number) value).doubleValue());
        } else {
            throw new IllegalArgumentException("cannot pickle a " + value.getClass().getName());
        }
    }

    private static void orderedDict(PickleOut p, StateDict tensors, List<Tensor> storages) {
        p.global("collections", "OrderedDict");
        p.emptyTuple();
        p.reduce();
        p.memoize();
        items(p, new ArrayList<>(tensors.asMap().entrySet()), storages);
    }

    private static void items(PickleOut p, List<? extends Map.Entry<?, ?>> entries, List<Tensor> storages) {
        for (int batchStart = 0; batchStart < entries.size(); batchStart += 1000) {
            p.mark();
            // Python's pickler emits SETITEMS in batches of 1000 items
            for (Map.Entry<?, ?> e : entries.subList(batchStart, Math.min(entries.size(), batchStart + 1000))) {
                Object key = e.getKey();
                if (key instanceof String name) {
                    p.unicode(name);
                } else if (key instanceof Integer || key instanceof Long) {
                    p.integer(((Number) key).longValue());
                } else {
                    throw new IllegalArgumentException("cannot pickle a dict key of type "
                            + (key == null ? "null" : key.getClass().getName()));
                }
                value(p, e.getValue(), storages);
            }
            p.setitems();
        }
    }

    private static void tensor(PickleOut p, Tensor t, List<Tensor> storages) {
        int index = storages.size();
        storages.add(t);
        p.global("torch._utils", "_rebuild_tensor_v2");
        p.mark();
        // persistent id ('storage', torch.FloatStorage, key, 'cpu', numel)
        p.mark();
        p.unicode("storage");
        p.global("torch", "FloatStorage");
        p.unicode(Integer.toString(index));
        p.unicode("cpu");
        p.integer(t.data().length);
        p.tuple();
        p.binpersid();
        p.integer(0);
        p.tupleOf(t.shape());
        p.tupleOf(contiguousStride(t.shape()));
        p.bool(false);
        p.global("collections", "OrderedDict");
        p.emptyTuple();
        p.reduce();
        p.tuple();
        p.reduce();
    }

    static long[] contiguousStride(long[] shape) {
        long[] stride = new long[shape.length];
        long s = 1;
        for (int d = shape.length - 1; d >= 0; d--) {
            stride[d] = s;
            s *= shape[d];
        }
        return stride;
    }
}
