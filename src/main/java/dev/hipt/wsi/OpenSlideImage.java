package dev.hipt.wsi;

import com.sun.jna.Memory;
import com.sun.jna.Pointer;

import java.lang.ref.Cleaner;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.ReadWriteLock;
import java.util.concurrent.locks.ReentrantReadWriteLock;

/**
 * A slide opened by OpenSlide. Reads from several threads share the one native handle (OpenSlide is thread-safe
 * for reads); {@link #close()} waits for reads in flight. The handle is also released by a {@link Cleaner} when
 * the object is dropped without {@code close()}. After OpenSlide reports an error the handle is unusable: that
 * read and every later one throw {@link SlideException} with {@link SlideErrorCode#CORRUPT_SLIDE}.
 *
 * <p>OpenSlide returns premultiplied ARGB. It becomes RGB as openslide-python plus PIL's {@code convert("RGB")}
 * do: opaque pixels as they are, transparent pixels black, partly transparent pixels un-premultiplied
 * ({@code 255 * c / a}, truncated). With a white background, transparency is instead composited over white.
 */
final class OpenSlideImage implements BackgroundFill {

    /** Largest number of pixels one native {@code read_region} call gets (16 MiB of ARGB); larger reads go in strips. */
    static final int MAX_PIXELS_PER_NATIVE_READ = 4 * 1024 * 1024;

    private static final Cleaner CLEANER = Cleaner.create();

    /** Native handles open right now in this JVM (opened and not yet released by close or the Cleaner). */
    private static final AtomicInteger OPEN_HANDLES = new AtomicInteger();

    private final OpenSlideLibrary lib;
    private final Pointer osr;
    private final NativeHandle handle;
    private final Cleaner.Cleanable cleanable;
    private final SlideMetadata metadata;
    private final ReadWriteLock lock = new ReentrantReadWriteLock();
    private final String fileText;
    private volatile boolean closed;
    private volatile String failure;

    private OpenSlideImage(OpenSlideLibrary lib, Pointer osr, SlideMetadata metadata, String fileText) {
        this.lib = lib;
        this.osr = osr;
        this.metadata = metadata;
        this.fileText = fileText;
        this.handle = new NativeHandle(lib, osr);
        OPEN_HANDLES.incrementAndGet();
        this.cleanable = CLEANER.register(this, handle);
    }

    /** How many native OpenSlide handles are open in this JVM; for leak checks. */
    static int openHandles() {
        return OPEN_HANDLES.get();
    }

    /** The vendor OpenSlide recognises in the file, or {@code null}; needs the library. */
    static String detectVendor(Path file) {
        return OpenSlideLibrary.get().openslide_detect_vendor(file.toString());
    }

    static OpenSlideImage open(Path file) {
        OpenSlideLibrary lib = OpenSlideLibrary.get();
        String fileText = file.toString();
        Pointer osr = lib.openslide_open(fileText);
        if (osr == null) {
            throw new SlideException(SlideErrorCode.UNSUPPORTED_FORMAT, "OpenSlide does not recognise the file");
        }
        try {
            String error = lib.openslide_get_error(osr);
            if (error != null) {
                throw new SlideException(SlideErrorCode.CORRUPT_SLIDE,
                        "OpenSlide cannot open the slide: " + sanitize(error, fileText));
            }
            SlideMetadata metadata = readMetadata(lib, osr, fileText);
            return new OpenSlideImage(lib, osr, metadata, fileText);
        } catch (RuntimeException e) {
            lib.openslide_close(osr);
            throw e;
        }
    }

    private static SlideMetadata readMetadata(OpenSlideLibrary lib, Pointer osr, String fileText) {
        int levelCount = lib.openslide_get_level_count(osr);
        checkError(lib, osr, fileText, "reading the level count");
        if (levelCount < 1) {
            throw new SlideException(SlideErrorCode.CORRUPT_SLIDE, "OpenSlide reports no pyramid level");
        }
        List<Level> levels = new ArrayList<>(levelCount);
        long[] w = new long[1];
        long[] h = new long[1];
        for (int i = 0; i < levelCount; i++) {
            lib.openslide_get_level_dimensions(osr, i, w, h);
            double downsample = lib.openslide_get_level_downsample(osr, i);
            checkError(lib, osr, fileText, "reading level " + i);
            if (w[0] <= 0 || h[0] <= 0 || !(downsample > 0)) {
                throw new SlideException(SlideErrorCode.CORRUPT_SLIDE, "OpenSlide reports an empty level " + i);
            }
            levels.add(new Level(i, w[0], h[0], downsample));
        }
        Map<String, String> raw = new LinkedHashMap<>();
        Pointer names = lib.openslide_get_property_names(osr);
        if (names != null) {
            for (String name : names.getStringArray(0, "UTF-8")) {
                raw.put(name, lib.openslide_get_property_value(osr, name));
            }
        }
        checkError(lib, osr, fileText, "reading properties");
        String vendor = raw.getOrDefault("openslide.vendor", "unknown");
        Double[] mpp = SlideProperties.mpp(raw);
        Level base = levels.get(0);
        return new SlideMetadata(vendor, vendor, base.width(), base.height(), List.copyOf(levels), mpp[0], mpp[1],
                SlideProperties.objectivePower(raw), PhiFilter.filter(raw));
    }

    @Override
    public SlideMetadata metadata() {
        return metadata;
    }

    @Override
    public RgbImage readRegion(int level, long x, long y, int width, int height, boolean white) {
        if (level < 0 || level >= metadata.levels().size()) {
            throw new IllegalArgumentException("level " + level + " not in [0, " + metadata.levels().size() + ")");
        }
        byte[] rgb = RegionBuffers.allocate(width, height);
        double downsample = metadata.levels().get(level).downsample();
        int rowsPerRead = Math.max(1, MAX_PIXELS_PER_NATIVE_READ / Math.max(1, width));
        lock.readLock().lock();
        try {
            ensureUsable();
            int[] argb = new int[Math.min(rowsPerRead, height) * width];
            try (Memory buffer = new Memory((long) argb.length * Integer.BYTES)) {
                for (int row = 0; row < height; row += rowsPerRead) {
                    int rows = Math.min(rowsPerRead, height - row);
                    // level-0 y of this strip; exact at level 0, within half a level-0 pixel elsewhere
                    long stripY = y + Math.round(row * downsample);
                    lib.openslide_read_region(osr, buffer, x, stripY, level, width, rows);
                    String error = lib.openslide_get_error(osr);
                    if (error != null) {
                        failure = sanitize(error, fileText);
                        throw failed();
                    }
                    buffer.read(0, argb, 0, rows * width);
                    toRgb(argb, rows * width, rgb, row * width * 3, white);
                }
            }
        } finally {
            lock.readLock().unlock();
        }
        return new RgbImage(width, height, rgb);
    }

    static void toRgb(int[] argb, int count, byte[] rgb, int offset, boolean white) {
        int o = offset;
        for (int i = 0; i < count; i++) {
            int p = argb[i];
            int a = p >>> 24;
            int r = (p >>> 16) & 0xff;
            int g = (p >>> 8) & 0xff;
            int b = p & 0xff;
            if (a != 255) {
                if (white) {
                    int add = 255 - a;
                    r = Math.min(255, r + add);
                    g = Math.min(255, g + add);
                    b = Math.min(255, b + add);
                } else if (a == 0) {
                    r = 0;
                    g = 0;
                    b = 0;
                } else {
                    r = Math.min(255, 255 * r / a);
                    g = Math.min(255, 255 * g / a);
                    b = Math.min(255, 255 * b / a);
                }
            }
            rgb[o++] = (byte) r;
            rgb[o++] = (byte) g;
            rgb[o++] = (byte) b;
        }
    }

    private void ensureUsable() {
        if (closed) {
            throw new IllegalStateException("slide is closed");
        }
        if (failure != null) {
            throw failed();
        }
    }

    private SlideException failed() {
        return new SlideException(SlideErrorCode.CORRUPT_SLIDE, "OpenSlide cannot read the slide: " + failure);
    }

    private static void checkError(OpenSlideLibrary lib, Pointer osr, String fileText, String doing) {
        String error = lib.openslide_get_error(osr);
        if (error != null) {
            throw new SlideException(SlideErrorCode.CORRUPT_SLIDE,
                    "OpenSlide failed " + doing + ": " + sanitize(error, fileText));
        }
    }

    /** OpenSlide messages may quote the file path; the path (possibly a patient-named upload) is cut out. */
    static String sanitize(String message, String fileText) {
        String text = message.replace(fileText, "<slide file>");
        return text.length() > 300 ? text.substring(0, 300) + "..." : text;
    }

    /** Whether the native handle has been released. */
    boolean released() {
        return handle.released();
    }

    @Override
    public void close() {
        lock.writeLock().lock();
        try {
            closed = true;
            cleanable.clean();
        } finally {
            lock.writeLock().unlock();
        }
    }

    @Override
    public String toString() {
        return "OpenSlideImage[" + metadata.vendor() + ", " + metadata.width() + "x" + metadata.height() + ", "
                + metadata.levels().size() + " levels" + (closed ? ", closed" : "") + "]";
    }

    /** The native handle, closed exactly once by {@code close()} or by the {@link Cleaner}. */
    private static final class NativeHandle implements Runnable {

        private final OpenSlideLibrary lib;
        private Pointer osr;

        NativeHandle(OpenSlideLibrary lib, Pointer osr) {
            this.lib = lib;
            this.osr = osr;
        }

        synchronized boolean released() {
            return osr == null;
        }

        @Override
        public synchronized void run() {
            if (osr != null) {
                lib.openslide_close(osr);
                osr = null;
                OPEN_HANDLES.decrementAndGet();
            }
        }
    }
}
