/**
 * DINO pretraining as admin jobs: tissue patches and ViT-256 token grids of stored slides, DINO's multi-crop, the
 * persistent pretraining job on the analysis engine, its checkpoints and the model it registers.
 */
package dev.hipt.training.pretraining;
