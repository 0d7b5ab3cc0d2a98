package dev.hipt.slide;

import io.swagger.v3.oas.annotations.media.Schema;

/**
 * The multipart/form-data body of {@code POST /api/v1/slides}; documents the form for OpenAPI. The service parses
 * the stream itself (it is never buffered), so this record is not bound by Spring.
 *
 * @param file       the slide file (SVS, NDPI, MRXS, SCN, BIF, TIFF, PNG, JPEG ...)
 * @param externalId the caller's own identifier, e.g. the LIMS accession
 * @param mpp        microns per pixel, required when the file does not say
 * @param reanalyse  analyse again even when the same bytes were uploaded before
 */
@Schema(name = "SlideUploadForm", requiredProperties = "file")
public record SlideUploadForm(@Schema(type = "string", format = "binary") String file,
                              @Schema(maxLength = 255) String externalId,
                              @Schema(exclusiveMinimum = true, minimum = "0") Double mpp,
                              @Schema(defaultValue = "false") Boolean reanalyse) {
}
