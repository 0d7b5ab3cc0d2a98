/**
 * Exports of a slide's newest analysis for other tools: a QuPath-readable GeoJSON of its regions and tissue, and the
 * TRIDENT/CLAM HDF5 layout of its features.
 */
package dev.hipt.export;
