package dev.hipt.slide;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class FilenamesTests {

    @Test
    void keepsOrdinaryNames() {
        assertThat(Filenames.sanitise("CMU-1_small.svs")).isEqualTo("CMU-1_small.svs");
    }

    @Test
    void dropsDirectoriesAndUnsafeCharacters() {
        assertThat(Filenames.sanitise("../../etc/passwd")).isEqualTo("passwd");
        assertThat(Filenames.sanitise("C:\\scans\\Müller slide (1).ndpi")).isEqualTo("Muller_slide_1_.ndpi");
        assertThat(Filenames.sanitise("..hidden.svs")).isEqualTo("hidden.svs");
    }

    @Test
    void neverAnswersEmpty() {
        assertThat(Filenames.sanitise(null)).isEqualTo("slide");
        assertThat(Filenames.sanitise("///")).isEqualTo("slide");
        assertThat(Filenames.sanitise("....")).isEqualTo("slide");
    }

    @Test
    void shortensLongNamesKeepingTheExtension() {
        String name = Filenames.sanitise("a".repeat(500) + ".mrxs");
        assertThat(name).hasSize(Filenames.MAX_LENGTH).endsWith(".mrxs");
        assertThat(Filenames.extension(name)).isEqualTo(".mrxs");
    }
}
