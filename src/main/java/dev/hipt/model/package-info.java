/**
 * HIPT on DJL: checkpoint reading, ViT-256/16, ViT-4K/256, the slide aggregator and its heads. Knows nothing of Spring.
 */
package dev.hipt.model;
