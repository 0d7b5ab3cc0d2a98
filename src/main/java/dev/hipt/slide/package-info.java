/**
 * Slide upload, listing, deletion and validation: the records a LIMS registers, deduplicated by SHA-256.
 */
package dev.hipt.slide;
