package dev.hipt.viewer;

import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/** Encoded tiles kept in memory up to a byte budget, the least recently used dropped first. */
final class TileCache {

    private final long maxBytes;
    private final LinkedHashMap<String, byte[]> tiles = new LinkedHashMap<>(256, 0.75f, true);
    private long bytes;

    TileCache(long maxBytes) {
        this.maxBytes = maxBytes;
    }

    synchronized Optional<byte[]> get(String key) {
        return Optional.ofNullable(tiles.get(key));
    }

    /** Keeps {@code tile} unless it alone is over the budget; drops the least recently used to make room. */
    synchronized void put(String key, byte[] tile) {
        if (tile.length > maxBytes) {
            return;
        }
        byte[] previous = tiles.put(key, tile);
        bytes += tile.length - (previous == null ? 0 : previous.length);
        Iterator<Map.Entry<String, byte[]>> eldest = tiles.entrySet().iterator();
        while (bytes > maxBytes && eldest.hasNext()) {
            bytes -= eldest.next().getValue().length;
            eldest.remove();
        }
    }

    synchronized long bytes() {
        return bytes;
    }

    synchronized int size() {
        return tiles.size();
    }
}
