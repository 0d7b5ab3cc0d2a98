/**
 * The persistent analysis job engine: queueing, the worker pool per device, the read-ahead and batched inference pipeline, progress, cancel and retry.
 */
package dev.hipt.job;
