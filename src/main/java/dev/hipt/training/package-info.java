/**
 * Admin API for DINO pretraining, slide-head training and the model registry.
 */
package dev.hipt.training;
