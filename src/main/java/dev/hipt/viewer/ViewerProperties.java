package dev.hipt.viewer;

import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.util.unit.DataSize;

/**
 * The viewer's Deep Zoom tiles ({@code hipt.viewer.*}).
 *
 * @param tileSize               Deep Zoom tile size in pixels without the overlap, default {@code 254} (tiles of
 *                               256 with an overlap of 1 on both sides)
 * @param overlap                pixels each tile shares with each neighbour, default {@code 1}
 * @param jpegQuality            JPEG quality of slide tiles, 0 to 1, default {@code 0.85}
 * @param tileCacheSize          bytes of encoded tiles (slide and heatmap layers) kept in memory, least recently
 *                               used dropped first, default {@code 64MB}
 * @param maxConcurrentTileReads how many tiles are read from slides and rendered at once, default {@code 4}; tiles
 *                               already in the cache do not count
 * @param tileReadWait           how long a tile request waits for a free read before it answers 503
 *                               {@code TILES_BUSY} with {@code Retry-After}, default {@code 2s}
 */
@ConfigurationProperties("hipt.viewer")
public record ViewerProperties(@DefaultValue("254") int tileSize, @DefaultValue("1") int overlap,
                               @DefaultValue("0.85") float jpegQuality,
                               @DefaultValue("64MB") DataSize tileCacheSize,
                               @DefaultValue("4") int maxConcurrentTileReads,
                               @DefaultValue("2s") Duration tileReadWait) {

    public ViewerProperties {
        if (tileSize < 1 || tileSize > 4096 || overlap < 0 || overlap > 64) {
            throw new IllegalArgumentException("hipt.viewer.tile-size must be 1 to 4096 and overlap 0 to 64");
        }
        if (!(jpegQuality > 0 && jpegQuality <= 1)) {
            throw new IllegalArgumentException("hipt.viewer.jpeg-quality must be in (0, 1]");
        }
        if (maxConcurrentTileReads < 1) {
            throw new IllegalArgumentException("hipt.viewer.max-concurrent-tile-reads must be at least 1");
        }
    }
}
