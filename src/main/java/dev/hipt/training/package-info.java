/**
 * The admin side of models: the model registry (ViT-256, ViT-4K and slide-head checkpoints in the database and the
 * blob store), which of them is active, and the admin API over them.
 */
package dev.hipt.training;
