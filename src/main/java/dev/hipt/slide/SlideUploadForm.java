package dev.hipt.slide;

import io.swagger.v3.oas.annotations.media.Schema;

/**
 * The multipart/form-data body of {@code POST /api/v1/slides}; documents the form for OpenAPI. The service parses
 * the stream itself (it is never buffered), so this record is not bound by Spring.
 *
 * <p>Only {@code file} is in the documented schema: {@code externalId}, {@code mpp}, {@code reanalyse} and {@code force} are
 * documented once, as the operation's query parameters, which apply to both request bodies. Documenting them twice
 * made generated clients take each of them twice ({@code externalId}, {@code externalId2}, ...). The service still
 * accepts them as form parts as well.
 *
 * @param file       the slide file, one file per slide (SVS, NDPI, SCN, BIF, TIFF, PNG, JPEG ...)
 * @param externalId the caller's own identifier, e.g. the LIMS accession
 * @param mpp        microns per pixel, required when the file does not say
 * @param reanalyse  analyse again even when the same bytes were uploaded before
 * @param force      with a reanalysis, encode every region again instead of reusing stored ones
 */
@Schema(name = "SlideUploadForm", requiredProperties = "file")
public record SlideUploadForm(@Schema(type = "string", format = "binary", description = "The slide, one file:"
                                      + " SVS, NDPI, SCN, BIF, tiled TIFF, PNG, JPEG; not MRXS or VMS (multi-file)")
                              String file,
                              @Schema(hidden = true) String externalId,
                              @Schema(hidden = true) Double mpp,
                              @Schema(hidden = true) Boolean reanalyse,
                              @Schema(hidden = true) Boolean force) {
}
