package dev.hipt.model;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * Reads model weights from HIPT's checkpoint files without Python: PyTorch zip checkpoints ({@code torch.save}
 * since 1.6, {@code .pth}/{@code .pt}) and safetensors files. The format is recognised by content, not by file name.
 * <p>
 * PyTorch pickles are parsed against an allowlist of globals (tensor and parameter rebuild, storage types,
 * {@code collections.OrderedDict}, {@code argparse.Namespace} as plain data, sets); any other global is refused with a
 * {@link CheckpointException} naming it, and nothing from the file is executed. Only the storages of the selected
 * tensors are read. Every tensor is returned as float32 (float16, bfloat16, float64 and integer storages converted).
 */
public final class CheckpointReader {

    private CheckpointReader() {
    }

    /**
     * The weights a model uses from {@code file}: for a DINO training checkpoint (a dict with a {@code teacher}
     * entry, as HIPT's released ViT-256 and ViT-4K files are) the teacher's tensors with {@code module.} and
     * {@code backbone.} stripped and {@code head.*} dropped; for a dict with a {@code state_dict} or {@code model}
     * entry of tensors, those tensors; otherwise the tensors of the top-level dict (a plain state dict such as
     * HIPT_LGP_FC's {@code slide_subtype.pt}). A safetensors file gives all its tensors.
     *
     * @throws CheckpointException if the file is not a checkpoint, is truncated or corrupt, names a refused global,
     *                             or misses a storage a selected tensor needs
     */
    public static StateDict read(Path file) {
        return read(file, null);
    }

    /**
     * The tensors of the top-level entry {@code entry} (e.g. {@code "student"}) of a PyTorch checkpoint, or, when
     * {@code entry} is null, what {@link #read(Path)} selects. {@code teacher} and {@code student} lose their
     * {@code module.}/{@code backbone.} prefixes and {@code head.*}; other entries are returned as stored.
     *
     * @throws CheckpointException also if the entry is absent (the message lists the entries) or not a dict
     */
    public static StateDict read(Path file, String entry) {
        return switch (CheckpointFormat.detect(file)) {
            case PYTORCH_ZIP -> {
                try (TorchZipReader reader = TorchZipReader.open(file)) {
                    yield reader.read(entry);
                }
            }
            case SAFETENSORS -> {
                if (entry != null) {
                    throw new CheckpointException("safetensors file " + file + " has no entries; cannot select '"
                            + entry + "'");
                }
                yield Safetensors.read(file);
            }
        };
    }

    /**
     * Everything a PyTorch zip checkpoint holds, with every tensor read (a training checkpoint's optimizer state and
     * counters too): dicts as insertion-ordered {@link java.util.Map}s with keys as stored ({@link String},
     * {@link Integer} or {@link Long}), lists and tuples as {@link java.util.List}s, {@code argparse.Namespace}s as
     * maps of their fields, tensors as {@link Tensor}s; strings, integers ({@link Integer} or {@link Long}), floats
     * ({@link Double}), booleans and {@code None} ({@code null}) as themselves. The pickle is read against the same
     * allowlist as {@link #read(Path)}.
     *
     * @throws CheckpointException if the file is not a PyTorch zip checkpoint or is truncated, corrupt or refused
     */
    public static Object readTree(Path file) {
        if (CheckpointFormat.detect(file) != CheckpointFormat.PYTORCH_ZIP) {
            throw new CheckpointException(file + " is not a PyTorch zip checkpoint");
        }
        try (TorchZipReader reader = TorchZipReader.open(file)) {
            return reader.readTree();
        }
    }

    /**
     * Whether {@code file} is a PyTorch zip checkpoint ({@code .pth}), as opposed to a safetensors file.
     *
     * @throws CheckpointException if it is neither
     */
    public static boolean isPytorchZip(Path file) {
        return CheckpointFormat.detect(file) == CheckpointFormat.PYTORCH_ZIP;
    }

    /** The SHA-256 of {@code file}'s bytes as lower-case hex, for provenance. */
    public static String sha256(Path file) {
        MessageDigest digest;
        try {
            digest = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is required of every Java platform", e);
        }
        byte[] buffer = new byte[1 << 20];
        try (InputStream in = Files.newInputStream(file)) {
            for (int n; (n = in.read(buffer)) > 0; ) {
                digest.update(buffer, 0, n);
            }
        } catch (IOException e) {
            throw new CheckpointException("cannot read checkpoint " + file + ": " + e, e);
        }
        return HexFormat.of().formatHex(digest.digest());
    }
}
