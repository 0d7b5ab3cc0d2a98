package dev.hipt.slide;

import com.sun.jna.Pointer;

/**
 * Stands in for {@link dev.hipt.wsi.SlideProbe} meeting a file that crashes OpenSlide: it writes through a null
 * native pointer, so the JVM dies of SIGSEGV in native code, as it would inside {@code libopenslide}.
 */
final class NativeCrashProbe {

    private NativeCrashProbe() {
    }

    public static void main(String[] args) {
        new Pointer(0).setInt(0, 42);
        System.out.println("survived a write to address 0");
    }
}
