package dev.hipt.training;

import dev.hipt.system.ApiException;
import dev.hipt.system.ErrorCodes;
import jakarta.servlet.http.HttpServletRequest;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.UUID;
import org.apache.commons.fileupload2.core.FileItemInput;
import org.apache.commons.fileupload2.core.FileItemInputIterator;
import org.apache.commons.fileupload2.core.FileUploadException;
import org.apache.commons.fileupload2.jakarta.servlet6.JakartaServletFileUpload;
import org.springframework.http.HttpStatus;

/**
 * Streams a checkpoint upload (multipart {@code file} with the fields {@code kind}, {@code name}, {@code classes},
 * {@code timeBins}, or a raw octet-stream body with the same as query parameters) into a temporary file, enforcing
 * {@code hipt.model.registry.max-upload-size}; the body is never held in memory. The temporary file's name starts
 * with {@code upload-}, so the slide feature's stale-upload sweeper removes what a crash leaves behind.
 */
final class ModelUpload {

    private static final int BUFFER = 64 * 1024;
    private static final int MAX_FIELD_BYTES = 4096;
    private static final int MAX_PARTS = 16;

    private final Path tmpDir;
    private final long maxBytes;

    ModelUpload(Path tmpDir, long maxBytes) {
        this.tmpDir = tmpDir;
        this.maxBytes = maxBytes;
    }

    /** The registration's fields as sent (query parameters, overridden by multipart fields). */
    record Fields(String kind, String name, String classes, String timeBins) {
    }

    /** A received checkpoint in {@code file}, a temporary file the caller deletes. */
    record Received(Path file, ModelKind kind, String name, List<String> classes, List<Double> timeBins) {
    }

    Received receive(HttpServletRequest request, Fields query) throws IOException {
        if (request.getContentLengthLong() > maxBytes) {
            throw tooLarge();
        }
        if (JakartaServletFileUpload.isMultipartContent(request)) {
            return receiveMultipart(request, query);
        }
        Path file = newTempFile();
        try {
            copy(request.getInputStream(), file);
            return received(file, query, null);
        } catch (IOException | RuntimeException e) {
            Files.deleteIfExists(file);
            throw e;
        }
    }

    private Received receiveMultipart(HttpServletRequest request, Fields query) throws IOException {
        JakartaServletFileUpload<?, ?> upload = new JakartaServletFileUpload<>();
        upload.setHeaderCharset(StandardCharsets.UTF_8);
        String kind = query.kind();
        String name = query.name();
        String classes = query.classes();
        String timeBins = query.timeBins();
        String partName = null;
        Path file = null;
        int parts = 0;
        try {
            FileItemInputIterator items = upload.getItemIterator(request);
            while (items.hasNext()) {
                FileItemInput item = items.next();
                if (++parts > MAX_PARTS) {
                    throw ApiException.badRequest("Too many multipart parts");
                }
                String field = item.getFieldName();
                if (!item.isFormField() && "file".equals(field)) {
                    if (file != null) {
                        throw ApiException.badRequest("Only one 'file' part is allowed");
                    }
                    partName = item.getName();
                    file = newTempFile();
                    try (InputStream in = item.getInputStream()) {
                        copy(in, file);
                    }
                } else if ("kind".equals(field)) {
                    kind = readField(item);
                } else if ("name".equals(field)) {
                    name = readField(item);
                } else if ("classes".equals(field)) {
                    classes = readField(item);
                } else if ("timeBins".equals(field)) {
                    timeBins = readField(item);
                } else {
                    try (InputStream in = item.getInputStream()) {
                        in.transferTo(OutputStream.nullOutputStream());
                    }
                }
            }
            if (file == null) {
                throw ApiException.validationFailed("The multipart body needs a part named 'file'");
            }
            return received(file, new Fields(kind, name, classes, timeBins), partName);
        } catch (FileUploadException e) {
            deleteQuietly(file);
            throw new ApiException(HttpStatus.BAD_REQUEST, ErrorCodes.BAD_REQUEST,
                    "The multipart body cannot be parsed", e);
        } catch (IOException | RuntimeException e) {
            deleteQuietly(file);
            throw e;
        }
    }

    private static Received received(Path file, Fields fields, String partName) {
        if (fields.kind() == null || fields.kind().isBlank()) {
            throw ApiException.validationFailed("'kind' is required: vit256, vit4k, subtype or survival");
        }
        String name = fields.name() != null && !fields.name().isBlank() ? fields.name().strip()
                : partName != null && !partName.isBlank() ? Path.of(partName.replace('\\', '/')).getFileName()
                .toString() : null;
        return new Received(file, ModelKind.fromJson(fields.kind()), name, classes(fields.classes()),
                timeBins(fields.timeBins()));
    }

    /** Comma-separated class names in logit order, e.g. {@code IDC,ILC}. */
    static List<String> classes(String text) {
        if (text == null || text.isBlank()) {
            return List.of();
        }
        List<String> out = Arrays.stream(text.split(",")).map(String::strip).toList();
        if (out.stream().anyMatch(String::isEmpty)) {
            throw ApiException.validationFailed("classes must be comma-separated non-empty names, got '" + text + "'");
        }
        return out;
    }

    /** Comma-separated bin edges in months, e.g. {@code 0,12.5,30,60}. */
    static List<Double> timeBins(String text) {
        if (text == null || text.isBlank()) {
            return List.of();
        }
        List<Double> out = new ArrayList<>();
        for (String part : text.split(",")) {
            try {
                out.add(Double.valueOf(part.strip()));
            } catch (NumberFormatException e) {
                throw ApiException.validationFailed("timeBins must be comma-separated numbers, got '" + text + "'");
            }
        }
        return out;
    }

    private void copy(InputStream in, Path target) throws IOException {
        long total = 0;
        byte[] buffer = new byte[BUFFER];
        try (OutputStream out = Files.newOutputStream(target)) {
            int n;
            while ((n = read(in, buffer)) >= 0) {
                total += n;
                if (total > maxBytes) {
                    throw tooLarge();
                }
                out.write(buffer, 0, n);
            }
        }
    }

    /** A failure to read the request is the client's (it went away or sent a broken body): 400, not 500. */
    private static int read(InputStream in, byte[] buffer) {
        try {
            return in.read(buffer);
        } catch (IOException e) {
            throw new ApiException(HttpStatus.BAD_REQUEST, ErrorCodes.BAD_REQUEST,
                    "The upload body could not be read to its end", e);
        }
    }

    private static String readField(FileItemInput item) throws IOException {
        try (InputStream in = item.getInputStream()) {
            byte[] bytes = in.readNBytes(MAX_FIELD_BYTES + 1);
            if (bytes.length > MAX_FIELD_BYTES) {
                throw ApiException.validationFailed("Form field '" + item.getFieldName() + "' is too long");
            }
            return new String(bytes, StandardCharsets.UTF_8);
        }
    }

    private Path newTempFile() throws IOException {
        Files.createDirectories(tmpDir);
        return tmpDir.resolve("upload-model-" + UUID.randomUUID());
    }

    private ApiException tooLarge() {
        return new ApiException(HttpStatus.CONTENT_TOO_LARGE, ErrorCodes.PAYLOAD_TOO_LARGE,
                "The checkpoint is larger than hipt.model.registry.max-upload-size (" + maxBytes + " bytes)");
    }

    private static void deleteQuietly(Path file) {
        if (file != null) {
            try {
                Files.deleteIfExists(file);
            } catch (IOException ignored) {
                // best effort; the request's own failure is what the caller needs to see
            }
        }
    }
}
