package dev.hipt.results;

import dev.hipt.storage.BlobStore;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;

/** A minimal file-backed {@link BlobStore} for results tests (the storage feature owns the real one). */
final class TempDirBlobStore implements BlobStore {

    private final Path root;

    TempDirBlobStore(Path root) {
        this.root = root;
    }

    private Path file(String key) {
        return root.resolve(key);
    }

    @Override
    public long put(String key, InputStream content) throws IOException {
        Path target = file(key);
        Files.createDirectories(target.getParent());
        return Files.copy(content, target, StandardCopyOption.REPLACE_EXISTING);
    }

    @Override
    public void putFile(String key, Path file) throws IOException {
        Path target = file(key);
        Files.createDirectories(target.getParent());
        Files.move(file, target, StandardCopyOption.REPLACE_EXISTING);
    }

    @Override
    public InputStream open(String key) throws IOException {
        return Files.newInputStream(file(key));
    }

    @Override
    public Path localPath(String key) {
        return file(key);
    }

    @Override
    public boolean exists(String key) {
        return Files.exists(file(key));
    }

    @Override
    public Optional<Long> size(String key) throws IOException {
        return exists(key) ? Optional.of(Files.size(file(key))) : Optional.empty();
    }

    @Override
    public void delete(String key) throws IOException {
        Files.deleteIfExists(file(key));
    }

    @Override
    public void deletePrefix(String prefix) throws IOException {
        for (String key : keys()) {
            if (key.startsWith(prefix)) {
                delete(key);
            }
        }
    }

    /** Every stored key, sorted. */
    List<String> keys() {
        if (!Files.isDirectory(root)) {
            return List.of();
        }
        try (Stream<Path> files = Files.walk(root)) {
            return files.filter(Files::isRegularFile)
                    .map(p -> root.relativize(p).toString().replace('\\', '/'))
                    .sorted(Comparator.naturalOrder())
                    .toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
