/**
 * The slide viewer: Deep Zoom descriptors and tiles of a slide's pixels and of its heatmap layers (same geometry),
 * and the viewer page that shows them with OpenSeadragon.
 */
package dev.hipt.viewer;
