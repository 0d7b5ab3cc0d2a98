package dev.hipt.model;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Writes a plain state dict as a PyTorch zip checkpoint that {@code torch.load} reads (also with
 * {@code weights_only=True}): {@code archive/data.pkl} (pickle protocol 2: a {@code collections.OrderedDict} of
 * {@code torch._utils._rebuild_tensor_v2} calls on persistent-id storages), {@code archive/byteorder},
 * {@code archive/data/<n>} (float32, little-endian) and {@code archive/version}. Entries are stored uncompressed and
 * their data aligned to 64 bytes, as PyTorch's own writer does.
 */
public final class TorchCheckpointWriter {

    static final String ARCHIVE = "archive/";

    private TorchCheckpointWriter() {
    }

    /**
     * Writes {@code tensors} to {@code file} (replacing it) as a PyTorch state-dict checkpoint; the file is written
     * beside its target and moved into place.
     *
     * @throws CheckpointException if the file cannot be written
     */
    public static void write(Path file, StateDict tensors) {
        List<String> keys = new ArrayList<>();
        for (int i = 0; i < tensors.size(); i++) {
            keys.add(Integer.toString(i));
        }
        byte[] pickle = pickle(tensors);
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        try (StoredZip zip = new StoredZip(tmp)) {
            zip.putBytes(ARCHIVE + "data.pkl", pickle);
            zip.putBytes(ARCHIVE + "byteorder", "little".getBytes(StandardCharsets.US_ASCII));
            List<Tensor> values = new ArrayList<>(tensors.asMap().values());
            // torch.save writes storages in the string order of their keys: 0, 1, 10, 11, ..., 2, ...
            List<String> sorted = new ArrayList<>(keys);
            sorted.sort(null);
            for (String key : sorted) {
                zip.putFloats(ARCHIVE + "data/" + key, values.get(Integer.parseInt(key)).data());
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
        PickleOut p = new PickleOut();
        p.proto(2);
        p.global("collections", "OrderedDict");
        p.emptyTuple();
        p.reduce();
        p.memoize();
        int index = 0;
        List<Map.Entry<String, Tensor>> entries = new ArrayList<>(tensors.asMap().entrySet());
        for (int batchStart = 0; batchStart < entries.size(); batchStart += 1000) {
            p.mark();
            // Python's pickler emits SETITEMS in batches of 1000 items
            for (Map.Entry<String, Tensor> e : entries.subList(batchStart,
                    Math.min(entries.size(), batchStart + 1000))) {
                Tensor t = e.getValue();
                p.unicode(e.getKey());
                p.global("torch._utils", "_rebuild_tensor_v2");
                p.mark();
                // persistent id ('storage', torch.FloatStorage, key, 'cpu', numel)
                p.mark();
                p.unicode("storage");
                p.global("torch", "FloatStorage");
                p.unicode(Integer.toString(index++));
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
            p.setitems();
        }
        p.stop();
        return p.bytes();
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
