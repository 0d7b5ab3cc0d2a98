/**
 * DINO self-distillation for HIPT's hierarchical pretraining (stage 1: ViT-256/16 on image patches, stage 2: ViT-4K/256
 * on ViT-256 token grids): hyper-parameters and schedules, the projection head, the loss, student/teacher training
 * steps and checkpoints in the official DINO layout. Plain Java over DJL; no Spring.
 */
package dev.hipt.training.dino;
