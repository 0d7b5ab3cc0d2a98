package dev.hipt.model;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.concurrent.ConcurrentLinkedDeque;

/**
 * Reusable native-order direct buffers for handing input to libtorch without a copy. DJL wraps a direct buffer in a
 * tensor as is, and a fresh direct buffer per call would only be freed when the garbage collector gets round to it;
 * reusing a few keeps native memory flat however many batches run.
 */
final class DirectBuffers {

    private final ConcurrentLinkedDeque<ByteBuffer> free = new ConcurrentLinkedDeque<>();
    private final int maxPooled;

    DirectBuffers(int maxPooled) {
        this.maxPooled = maxPooled;
    }

    /** A buffer with position 0 and limit exactly {@code bytes}. */
    ByteBuffer take(long bytes) {
        int n = Math.toIntExact(bytes);
        ByteBuffer b;
        while ((b = free.pollFirst()) != null) {
            if (b.capacity() >= n) {
                b.clear().limit(n);
                return b;
            }
        }
        return ByteBuffer.allocateDirect(n).order(ByteOrder.nativeOrder());
    }

    void give(ByteBuffer b) {
        if (free.size() < maxPooled) {
            free.addFirst(b);
        }
    }
}
