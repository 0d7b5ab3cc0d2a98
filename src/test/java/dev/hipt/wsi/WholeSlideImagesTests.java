package dev.hipt.wsi;

import org.junit.jupiter.api.Test;

import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

class WholeSlideImagesTests {

    @Test
    void smoke() {
        Fixtures.assumeOpenSlide();
        for (String name : new String[] {"small_HE.svs", "boxes.tiff", "small.svs", "smalltif.tif", "unreadable.svs"}) {
            try (WholeSlideImage slide = WholeSlideImages.open(Fixtures.slide(name))) {
                System.out.println(name + " -> " + slide + " " + slide.metadata());
            } catch (SlideException e) {
                System.out.println(name + " -> " + e.code() + " " + e.getMessage());
            }
        }
        try {
            WholeSlideImages.open(Fixtures.slide("unopenable.tiff"));
        } catch (SlideException e) {
            System.out.println("unopenable -> " + e.code() + " " + e.getMessage());
        }
        System.out.println(WholeSlideImages.openSlideVersion());
    }
}
