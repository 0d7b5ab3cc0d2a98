package dev.hipt.wsi;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A slide whose pixels are a formula of their level-0 position, with power-of-two levels (each pixel of level L is
 * the level-0 pixel at its top-left corner). Black outside. Records the largest single read it was asked for.
 */
final class SyntheticSlide implements WholeSlideImage {

    private final long width;
    private final long height;
    private final List<Level> levels;
    final AtomicLong largestReadPixels = new AtomicLong();

    SyntheticSlide(long width, long height, int levelCount) {
        this.width = width;
        this.height = height;
        List<Level> list = new ArrayList<>();
        for (int i = 0; i < levelCount; i++) {
            long d = 1L << i;
            list.add(new Level(i, Math.max(1, width / d), Math.max(1, height / d), d));
        }
        this.levels = List.copyOf(list);
    }

    static int channel(long x, long y, int c) {
        long h = x * 73856093L ^ y * 19349663L ^ (c + 1) * 83492791L;
        h ^= h >>> 13;
        h *= 0x5bd1e995L;
        h ^= h >>> 15;
        return (int) (h & 0xff);
    }

    @Override
    public SlideMetadata metadata() {
        return new SlideMetadata("synthetic", "synthetic", width, height, levels, null, null, null, Map.of());
    }

    @Override
    public RgbImage readRegion(int level, long x, long y, int w, int h) {
        largestReadPixels.accumulateAndGet((long) w * h, Math::max);
        long d = (long) levels.get(level).downsample();
        byte[] rgb = new byte[w * h * 3];
        for (int r = 0; r < h; r++) {
            for (int c = 0; c < w; c++) {
                long x0 = x + c * d;
                long y0 = y + r * d;
                if (x0 < 0 || y0 < 0 || x0 >= width || y0 >= height) {
                    continue;
                }
                int p = (r * w + c) * 3;
                for (int ch = 0; ch < 3; ch++) {
                    rgb[p + ch] = (byte) channel(x0, y0, ch);
                }
            }
        }
        return new RgbImage(w, h, rgb);
    }

    @Override
    public void close() {
    }
}
