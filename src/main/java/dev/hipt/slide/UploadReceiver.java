package dev.hipt.slide;

import dev.hipt.system.ApiException;
import dev.hipt.system.ErrorCodes;
import jakarta.servlet.http.HttpServletRequest;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.UUID;
import org.apache.commons.fileupload2.core.FileItemInput;
import org.apache.commons.fileupload2.core.FileItemInputIterator;
import org.apache.commons.fileupload2.core.FileUploadException;
import org.apache.commons.fileupload2.jakarta.servlet6.JakartaServletFileUpload;
import org.springframework.core.convert.ConversionException;
import org.springframework.core.convert.support.DefaultConversionService;
import org.springframework.http.HttpStatus;

/**
 * Streams an upload body (multipart/form-data or a raw octet stream) into a temporary file under
 * {@code hipt.storage.root/tmp}, computing its SHA-256 and enforcing {@code hipt.upload.max-size} on the way. The
 * body is never held in memory; the temporary file is removed when receiving fails, and otherwise belongs to the
 * caller.
 */
final class UploadReceiver {

    /** Name prefix of temporary upload files (see {@link StaleUploadSweeper}). */
    static final String TEMP_PREFIX = "upload-";
    private static final int BUFFER = 64 * 1024;
    private static final int MAX_FIELD_BYTES = 4096;
    private static final int MAX_PARTS = 16;

    private final Path tmpDir;
    private final long maxBytes;

    UploadReceiver(Path tmpDir, long maxBytes) {
        this.tmpDir = tmpDir;
        this.maxBytes = maxBytes;
    }

    /** The upload's parameters from the query string; multipart fields, when present, take precedence. */
    record Parameters(String filename, String externalId, Double mpp, boolean reanalyse, boolean force) {
    }

    /**
     * A received file: {@code file} is a temporary file the caller must delete. {@code force} (recompute every
     * region) implies {@code reanalyse}.
     */
    record Received(Path file, String filename, String sha256, long size, String externalId, Double mpp,
                    boolean reanalyse, boolean force) {
        Received {
            reanalyse = reanalyse || force;
        }
    }

    /** Answers 413 before anything is read when the declared length is over the limit. */
    void checkDeclaredLength(HttpServletRequest request) {
        long declared = request.getContentLengthLong();
        if (declared > maxBytes) {
            throw tooLarge();
        }
    }

    Received receive(HttpServletRequest request, Parameters query) throws IOException {
        checkDeclaredLength(request);
        return JakartaServletFileUpload.isMultipartContent(request) ? receiveMultipart(request, query)
                : receiveRaw(request, query);
    }

    private Received receiveRaw(HttpServletRequest request, Parameters query) throws IOException {
        if (query.filename() == null || query.filename().isBlank()) {
            throw ApiException.validationFailed("A raw upload needs the query parameter 'filename'");
        }
        String filename = Filenames.sanitise(query.filename());
        Path file = newTempFile(filename);
        try {
            String[] digest = new String[1];
            long size = copy(request.getInputStream(), file, digest);
            return new Received(file, filename, digest[0], size, query.externalId(), query.mpp(), query.reanalyse(),
                    query.force());
        } catch (IOException | RuntimeException e) {
            Files.deleteIfExists(file);
            throw e;
        }
    }

    private Received receiveMultipart(HttpServletRequest request, Parameters query) throws IOException {
        JakartaServletFileUpload<?, ?> upload = new JakartaServletFileUpload<>();
        upload.setHeaderCharset(StandardCharsets.UTF_8);
        String externalId = query.externalId();
        Double mpp = query.mpp();
        boolean reanalyse = query.reanalyse();
        boolean force = query.force();
        Path file = null;
        String filename = null;
        String sha256 = null;
        long size = 0;
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
                    filename = Filenames.sanitise(item.getName() != null && !item.getName().isBlank()
                            ? item.getName() : query.filename());
                    file = newTempFile(filename);
                    String[] digest = new String[1];
                    try (InputStream in = item.getInputStream()) {
                        size = copy(in, file, digest);
                    }
                    sha256 = digest[0];
                } else if ("externalId".equals(field)) {
                    externalId = blankToNull(readField(item));
                } else if ("mpp".equals(field)) {
                    mpp = SlideController.parseMpp(blankToNull(readField(item)));
                } else if ("reanalyse".equals(field)) {
                    reanalyse = parseBoolean("reanalyse", readField(item));
                } else if ("force".equals(field)) {
                    force = parseBoolean("force", readField(item));
                } else if ("filename".equals(field)) {
                    readField(item); // the part's own file name wins; accepted for symmetry with raw uploads
                } else {
                    drain(item);
                }
            }
            if (file == null) {
                throw ApiException.validationFailed("The multipart body needs a part named 'file'");
            }
            return new Received(file, filename, sha256, size, externalId, mpp, reanalyse, force);
        } catch (FileUploadException e) {
            deleteQuietly(file);
            throw new ApiException(HttpStatus.BAD_REQUEST, ErrorCodes.BAD_REQUEST,
                    "The multipart body cannot be parsed", e);
        } catch (IOException | RuntimeException e) {
            deleteQuietly(file);
            throw e;
        }
    }

    /** Copies while hashing and counting; over the limit it stops reading at once and answers 413. */
    private long copy(InputStream in, Path target, String[] sha256Out) throws IOException {
        MessageDigest digest = sha256();
        long total = 0;
        byte[] buffer = new byte[BUFFER];
        try (OutputStream out = Files.newOutputStream(target)) {
            int n;
            while ((n = readBody(in, buffer)) >= 0) {
                total += n;
                if (total > maxBytes) {
                    throw tooLarge();
                }
                digest.update(buffer, 0, n);
                out.write(buffer, 0, n);
            }
        }
        sha256Out[0] = HexFormat.of().formatHex(digest.digest());
        return total;
    }

    /** A failure to read the request is the client's (it went away or sent a broken body): 400, not 500. */
    private static int readBody(InputStream in, byte[] buffer) {
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

    /** As Spring reads the same query parameter: true/false, on/off, yes/no, 1/0; anything else is refused. */
    private static boolean parseBoolean(String field, String value) {
        try {
            Boolean parsed = DefaultConversionService.getSharedInstance().convert(value.strip(), Boolean.class);
            return Boolean.TRUE.equals(parsed);
        } catch (ConversionException e) {
            throw ApiException.validationFailed("Form field '" + field + "' must be true or false");
        }
    }

    private static void drain(FileItemInput item) throws IOException {
        try (InputStream in = item.getInputStream()) {
            in.transferTo(OutputStream.nullOutputStream());
        }
    }

    private Path newTempFile(String filename) throws IOException {
        Files.createDirectories(tmpDir);
        // OpenSlide recognises some formats by extension as well as by content: keep it.
        return tmpDir.resolve(TEMP_PREFIX + UUID.randomUUID() + Filenames.extension(filename));
    }

    private ApiException tooLarge() {
        return new ApiException(HttpStatus.CONTENT_TOO_LARGE, ErrorCodes.PAYLOAD_TOO_LARGE,
                "The upload is larger than hipt.upload.max-size (" + maxBytes + " bytes)");
    }

    private static String blankToNull(String value) {
        return value == null || value.isBlank() ? null : value.strip();
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

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is part of every Java runtime", e);
        }
    }
}
