/**
 * Whole-slide images: opening slide files (OpenSlide and pure Java), metadata and MPP, tissue detection, the 4096 region grid and region reads at 20x. Knows nothing of Spring.
 */
package dev.hipt.wsi;
