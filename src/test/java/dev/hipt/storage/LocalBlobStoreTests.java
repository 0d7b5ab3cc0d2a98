package dev.hipt.storage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LocalBlobStoreTests {

    @TempDir
    Path dir;

    private LocalBlobStore store;

    @BeforeEach
    void createStore() throws IOException {
        store = new LocalBlobStore(dir.resolve("blobs"));
    }

    @Test
    void storesReadsAndReplacesObjects() throws IOException {
        assertThat(store.put("slides/abc/a.svs", bytes("first"))).isEqualTo(5);
        store.put("slides/abc/a.svs", bytes("second"));

        try (InputStream in = store.open("slides/abc/a.svs")) {
            assertThat(new String(in.readAllBytes(), StandardCharsets.UTF_8)).isEqualTo("second");
        }
        assertThat(store.size("slides/abc/a.svs")).contains(6L);
        assertThat(store.localPath("slides/abc/a.svs")).isEqualTo(dir.resolve("blobs/slides/abc/a.svs"));
        assertThat(store.exists("slides/abc/b.svs")).isFalse();
        assertThat(store.size("slides/abc/b.svs")).isEmpty();
        assertThat(allFiles()).as("no temporary file left beside the object").hasSize(1);
    }

    @Test
    void movesFinishedFilesIntoPlace() throws IOException {
        Path upload = Files.writeString(dir.resolve("upload.part"), "slide bytes");

        store.putFile("slides/x/slide.svs", upload);

        assertThat(upload).doesNotExist();
        assertThat(store.localPath("slides/x/slide.svs")).hasContent("slide bytes");
    }

    @Test
    void refusesKeysThatLeaveTheStore() {
        for (String key : new String[] {"../outside", "slides/../../etc/passwd", "/etc/passwd", "a//b", "a/./b",
            "a\\..\\b", ""}) {
            assertThatThrownBy(() -> store.put(key, bytes("x"))).as(key)
                    .isInstanceOf(IllegalArgumentException.class);
        }
        assertThat(dir.resolve("outside")).doesNotExist();
    }

    @Test
    void deletesObjectsAndPrefixesAndToleratesMissingOnes() throws IOException {
        store.put("slides/abc/a.svs", bytes("a"));
        store.put("slides/abc/thumb/b.png", bytes("b"));
        store.put("slides/abd/c.svs", bytes("c"));

        store.deletePrefix("slides/abc/");
        store.delete("slides/none/missing.svs");

        assertThat(store.exists("slides/abc/a.svs")).isFalse();
        assertThat(store.exists("slides/abc/thumb/b.png")).isFalse();
        assertThat(store.exists("slides/abd/c.svs")).as("a sibling with a longer name survives").isTrue();
        store.delete("slides/abd/c.svs");
        assertThat(allFiles()).isEmpty();
    }

    private static InputStream bytes(String text) {
        return new ByteArrayInputStream(text.getBytes(StandardCharsets.UTF_8));
    }

    private Stream<Path> filesIn(Path root) throws IOException {
        return Files.walk(root).filter(Files::isRegularFile);
    }

    private java.util.List<Path> allFiles() throws IOException {
        try (Stream<Path> files = filesIn(dir.resolve("blobs"))) {
            return files.toList();
        }
    }
}
