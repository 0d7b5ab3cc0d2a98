package dev.hipt.model;

import java.util.List;

/** The subtype head's output for one slide: logits, softmax probabilities and the most probable class. */
public record SubtypePrediction(List<String> classes, float[] logits, float[] probabilities, String label) {
}
