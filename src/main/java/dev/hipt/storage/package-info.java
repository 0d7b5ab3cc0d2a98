/**
 * The blob store seam: local filesystem by default, S3-compatible in production. Knows nothing of Spring web.
 */
package dev.hipt.storage;
