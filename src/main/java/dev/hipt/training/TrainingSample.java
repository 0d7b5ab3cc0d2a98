package dev.hipt.training;

import java.util.UUID;

/**
 * One labelled slide as the trainer sees it: its regions' ViT-256 CLS grids and its label.
 *
 * @param slideId  the slide
 * @param regions  M, the number of regions
 * @param x256     {@code [M x 256 x 384]} row-major, each region's cls256 grid
 * @param label    the class index (subtype) or the survival time bin (survival)
 * @param months   survival time; 0 for subtype samples
 * @param censored survival: true when the event was not observed (censored); false for subtype samples
 */
record TrainingSample(UUID slideId, int regions, float[] x256, int label, double months, boolean censored) {
}
