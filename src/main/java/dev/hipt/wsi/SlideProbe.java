package dev.hipt.wsi;

import java.nio.file.Path;

/**
 * A throw-away process that opens a slide and decodes its first pixels, run by the service before it touches an
 * uploaded file itself: OpenSlide is native code, and a malformed file that crashes it then takes down this
 * process instead of the service. A surviving probe exits 0 when the slide opened and {@link #REFUSED} when the
 * readers refused it in Java (a {@link SlideException} included); any other status is a crash.
 */
public final class SlideProbe {

    /** Exit status when the arguments are wrong (never a verdict on the slide). */
    public static final int USAGE = 64;
    /** Exit status when the readers refused the file without crashing; the service gives the reason in-process. */
    public static final int REFUSED = 65;
    private static final int PIXELS = 64;

    private SlideProbe() {
    }

    public static void main(String[] args) {
        if (args.length != 1) {
            System.err.println("usage: SlideProbe SLIDE-FILE");
            System.exit(USAGE);
        }
        try (WholeSlideImage slide = WholeSlideImages.open(Path.of(args[0]))) {
            SlideMetadata metadata = slide.metadata();
            slide.readRegion(0, 0, 0, (int) Math.min(PIXELS, metadata.width()),
                    (int) Math.min(PIXELS, metadata.height()));
            int last = metadata.levels().size() - 1;
            Level coarsest = metadata.levels().get(last);
            slide.readRegion(last, 0, 0, (int) Math.min(PIXELS, coarsest.width()),
                    (int) Math.min(PIXELS, coarsest.height()));
            System.out.println("opened");
        } catch (RuntimeException e) {
            // A Java-side verdict: the service repeats the inspection in-process and reports it with its code.
            System.out.println("refused");
            System.exit(REFUSED);
        }
        System.exit(0);
    }
}
