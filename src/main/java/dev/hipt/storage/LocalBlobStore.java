package dev.hipt.storage;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Comparator;
import java.util.Optional;
import java.util.UUID;
import java.util.stream.Stream;

/**
 * Blobs as files under a root directory. Writes go to a temporary file in the same directory and are moved into
 * place atomically, so a reader never sees a half-written object; keys that would leave the root are refused.
 */
public class LocalBlobStore implements BlobStore {

    private final Path root;

    public LocalBlobStore(Path root) throws IOException {
        this.root = Files.createDirectories(root.toAbsolutePath().normalize());
    }

    @Override
    public long put(String key, InputStream content) throws IOException {
        Path target = resolve(key);
        Files.createDirectories(target.getParent());
        Path temp = target.resolveSibling("." + target.getFileName() + "." + UUID.randomUUID() + ".part");
        try {
            long written = Files.copy(content, temp);
            move(temp, target);
            return written;
        } finally {
            Files.deleteIfExists(temp);
        }
    }

    @Override
    public void putFile(String key, Path file) throws IOException {
        Path target = resolve(key);
        Files.createDirectories(target.getParent());
        try {
            move(file, target);
        } catch (IOException differentFileSystem) {
            // The file lives elsewhere: copy beside the target first so the final step is still an atomic move.
            Path temp = target.resolveSibling("." + target.getFileName() + "." + UUID.randomUUID() + ".part");
            try {
                Files.copy(file, temp);
                move(temp, target);
                Files.deleteIfExists(file);
            } finally {
                Files.deleteIfExists(temp);
            }
        }
    }

    @Override
    public InputStream open(String key) throws IOException {
        return Files.newInputStream(resolve(key));
    }

    @Override
    public Path localPath(String key) throws IOException {
        Path path = resolve(key);
        if (!Files.isRegularFile(path)) {
            throw new NoSuchFileException(key);
        }
        return path;
    }

    @Override
    public boolean exists(String key) {
        return Files.isRegularFile(resolve(key));
    }

    @Override
    public Optional<Long> size(String key) throws IOException {
        Path path = resolve(key);
        return Files.isRegularFile(path) ? Optional.of(Files.size(path)) : Optional.empty();
    }

    @Override
    public void delete(String key) throws IOException {
        Path path = resolve(key);
        Files.deleteIfExists(path);
        pruneEmptyParents(path.getParent());
    }

    @Override
    public void deletePrefix(String prefix) throws IOException {
        String checked = BlobKeys.checkPrefix(prefix);
        Path base = root.resolve(checked.endsWith("/") ? checked.substring(0, checked.length() - 1) : checked)
                .normalize();
        Path parent = base.getParent();
        if (!base.startsWith(root) || parent == null || !Files.isDirectory(parent)) {
            return;
        }
        String namePrefix = base.getFileName().toString();
        boolean wholeDirectory = checked.endsWith("/");
        try (Stream<Path> siblings = Files.list(parent)) {
            for (Path sibling : siblings.toList()) {
                String name = sibling.getFileName().toString();
                if (wholeDirectory ? name.equals(namePrefix) : name.startsWith(namePrefix)) {
                    deleteTree(sibling);
                }
            }
        }
        pruneEmptyParents(parent);
    }

    /** Whether the store's directory can be written: feeds the readiness probe. */
    public boolean writable() {
        return Files.isDirectory(root) && Files.isWritable(root);
    }

    private Path resolve(String key) {
        Path path = root.resolve(BlobKeys.check(key)).normalize();
        if (!path.startsWith(root) || path.equals(root)) {
            throw new IllegalArgumentException("Blob key leaves the store: " + key);
        }
        return path;
    }

    private static void move(Path from, Path to) throws IOException {
        try {
            Files.move(from, to, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(from, to, StandardCopyOption.REPLACE_EXISTING);
        }
    }

    private static void deleteTree(Path path) throws IOException {
        if (!Files.exists(path)) {
            return;
        }
        try (Stream<Path> walk = Files.walk(path)) {
            walk.sorted(Comparator.reverseOrder()).forEach(p -> {
                try {
                    Files.deleteIfExists(p);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            });
        } catch (UncheckedIOException e) {
            throw e.getCause();
        }
    }

    private void pruneEmptyParents(Path dir) throws IOException {
        Path current = dir;
        while (current != null && current.startsWith(root) && !current.equals(root)) {
            try {
                Files.deleteIfExists(current);
            } catch (DirectoryNotEmptyException notEmpty) {
                return;
            }
            current = current.getParent();
        }
    }
}
