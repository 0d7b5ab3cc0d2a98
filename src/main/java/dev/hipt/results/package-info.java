/**
 * Region and slide embeddings, predictions and their provenance: persistence, the read API and NPY export.
 */
package dev.hipt.results;
