package dev.hipt.wsi;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A slide made of a function of level-0 coordinates: level {@code l} pixel {@code (i, j)} samples the function at
 * the level-0 centre of that pixel, so any level of a huge slide costs only what is read. Black outside the slide.
 */
final class InMemorySlide implements WholeSlideImage {

    /** Colour (0xRRGGBB) at level-0 point {@code (x, y)}. */
    @FunctionalInterface
    interface Painter {
        int rgb(double x, double y);
    }

    static final int WHITE = 0xf4f2f5;
    static final int PINK = 0xd889b8;

    private final SlideMetadata metadata;
    private final Painter painter;
    private final AtomicLong pixelsRead = new AtomicLong();
    private long largestRead;

    InMemorySlide(long width, long height, double mpp, Painter painter, double... downsamples) {
        this.painter = painter;
        List<Level> levels = new ArrayList<>();
        levels.add(new Level(0, width, height, 1.0));
        for (double ds : downsamples) {
            levels.add(new Level(levels.size(), (long) Math.ceil(width / ds), (long) Math.ceil(height / ds), ds));
        }
        this.metadata = new SlideMetadata("in-memory", "test", width, height, List.copyOf(levels), mpp, mpp, 20.0,
                Map.of());
    }

    @Override
    public SlideMetadata metadata() {
        return metadata;
    }

    @Override
    public RgbImage readRegion(int level, long x, long y, int width, int height) {
        double ds = metadata.levels().get(level).downsample();
        byte[] rgb = new byte[width * height * 3];
        for (int j = 0; j < height; j++) {
            double py = y + (j + 0.5) * ds;
            for (int i = 0; i < width; i++) {
                double px = x + (i + 0.5) * ds;
                if (px < 0 || py < 0 || px >= metadata.width() || py >= metadata.height()) {
                    continue;
                }
                int c = painter.rgb(px, py);
                int o = (j * width + i) * 3;
                rgb[o] = (byte) (c >> 16);
                rgb[o + 1] = (byte) (c >> 8);
                rgb[o + 2] = (byte) c;
            }
        }
        pixelsRead.addAndGet((long) width * height);
        synchronized (this) {
            largestRead = Math.max(largestRead, (long) width * height);
        }
        return new RgbImage(width, height, rgb);
    }

    long pixelsRead() {
        return pixelsRead.get();
    }

    synchronized long largestRead() {
        return largestRead;
    }

    @Override
    public void close() {
    }

    /** White background with pink discs and rectangles, and white rectangles (holes) on top, in level-0 units. */
    static final class Scene implements Painter {
        private final List<double[]> discs = new ArrayList<>();
        private final List<double[]> rects = new ArrayList<>();
        private final List<double[]> holes = new ArrayList<>();

        Scene disc(double cx, double cy, double r) {
            discs.add(new double[] {cx, cy, r});
            return this;
        }

        Scene rect(double x, double y, double w, double h) {
            rects.add(new double[] {x, y, w, h});
            return this;
        }

        Scene hole(double x, double y, double w, double h) {
            holes.add(new double[] {x, y, w, h});
            return this;
        }

        @Override
        public int rgb(double x, double y) {
            for (double[] h : holes) {
                if (inside(h, x, y)) {
                    return WHITE;
                }
            }
            for (double[] d : discs) {
                double dx = x - d[0];
                double dy = y - d[1];
                if (dx * dx + dy * dy <= d[2] * d[2]) {
                    return PINK;
                }
            }
            for (double[] r : rects) {
                if (inside(r, x, y)) {
                    return PINK;
                }
            }
            return WHITE;
        }

        private static boolean inside(double[] r, double x, double y) {
            return x >= r[0] && x < r[0] + r[2] && y >= r[1] && y < r[1] + r[3];
        }
    }
}
