package dev.hipt.model;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HexFormat;

/** The checkpoint formats we read, recognised by their first bytes rather than by file name. */
enum CheckpointFormat {
    PYTORCH_ZIP,
    SAFETENSORS;

    static CheckpointFormat detect(Path file) {
        byte[] head;
        long size;
        try (InputStream in = Files.newInputStream(file)) {
            size = Files.size(file);
            head = in.readNBytes(9);
        } catch (IOException e) {
            throw new CheckpointException("cannot read checkpoint " + file + ": " + e, e);
        }
        if (head.length == 0) {
            throw new CheckpointException("not a checkpoint: " + file + " is empty");
        }
        if (head.length >= 4 && head[0] == 'P' && head[1] == 'K' && (head[2] == 3 || head[2] == 5)) {
            return PYTORCH_ZIP;
        }
        if (head.length == 9 && head[8] == '{') {
            long headerLength = ByteBuffer.wrap(head, 0, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
            if (headerLength >= 2 && headerLength <= size - 8) {
                return SAFETENSORS;
            }
            throw new CheckpointException("truncated or corrupt checkpoint " + file + ": safetensors header of "
                    + headerLength + " bytes does not fit a file of " + size + " bytes");
        }
        if ((head[0] & 0xff) == 0x80 && head.length > 1 && head[1] <= 5) {
            throw new CheckpointException("unsupported checkpoint " + file + ": a bare pickle (torch.save before"
                    + " PyTorch 1.6, or pickle.dump) rather than a zip checkpoint; re-save it with a current"
                    + " torch.save");
        }
        throw new CheckpointException("not a checkpoint: " + file + " is neither a PyTorch zip checkpoint nor a"
                + " safetensors file (first bytes " + HexFormat.of().formatHex(head) + ")");
    }
}
