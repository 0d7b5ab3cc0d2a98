package dev.hipt.wsi;

import com.sun.jna.Pointer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

class PhiFilterTests {

    @TempDir
    Path tmp;

    @Test
    void keepsOnlyAllowlistedProperties() {
        Map<String, String> kept = PhiFilter.filter(Map.of(
                "openslide.vendor", "aperio",
                "openslide.mpp-x", "0.499",
                "openslide.level[2].downsample", "16.0",
                "aperio.Filename", "JOHN DOE 1234",
                "aperio.User", "jdoe",
                "openslide.comment", "Aperio Image Library |JOHN DOE",
                "tiff.ImageDescription", "JOHN DOE",
                "hamamatsu.Reference", "BARCODE-123",
                "openslide.associated.label.width", "387"));

        assertThat(kept).containsOnlyKeys("openslide.vendor", "openslide.mpp-x", "openslide.level[2].downsample");
    }

    @Test
    void aperioFilenameAndUserNeverLeaveThePackage() throws IOException {
        Fixtures.assumeOpenSlide();
        Path file = Fixtures.slide("small_HE.svs");
        List<String> canaries = rawCanaries(file);
        assertThat(canaries).as("the fixture carries its canaries").contains("CMU-1").hasSize(2);

        List<String> exposed = new ArrayList<>();
        try (WholeSlideImage slide = WholeSlideImages.open(file)) {
            SlideMetadata md = slide.metadata();
            exposed.add(md.toString());
            exposed.add(slide.toString());
            md.properties().forEach((key, value) -> exposed.add(key + "=" + value));
            assertThat(md.properties().keySet()).noneMatch(k -> k.contains("Filename") || k.contains("User")
                    || k.contains("comment") || k.contains("ImageDescription") || k.contains("associated"));
        }
        // errors on a broken copy of the same slide
        byte[] all = Files.readAllBytes(file);
        Path broken = Files.write(tmp.resolve("broken.svs"), Arrays.copyOf(all, all.length / 2));
        SlideException e = catchThrowableOfType(SlideException.class, () -> WholeSlideImages.open(broken).close());
        exposed.add(String.valueOf(e.getMessage()));

        for (String text : exposed) {
            for (String canary : canaries) {
                assertThat(text).doesNotContain(canary);
            }
        }
    }

    /** The raw aperio.Filename and aperio.User values, straight from OpenSlide. */
    private static List<String> rawCanaries(Path file) {
        OpenSlideLibrary lib = OpenSlideLibrary.get();
        Pointer osr = lib.openslide_open(file.toString());
        try {
            List<String> values = new ArrayList<>();
            for (String key : new String[] {"aperio.Filename", "aperio.User"}) {
                String value = lib.openslide_get_property_value(osr, key);
                if (value != null && !value.isBlank()) {
                    values.add(value);
                }
            }
            return values;
        } finally {
            lib.openslide_close(osr);
        }
    }
}
