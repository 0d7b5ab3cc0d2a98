package dev.hipt.model;

/**
 * The survival head's output for one slide over its discrete time bins: hazards = sigmoid(logits),
 * survival S_k = prod_{j<=k}(1 - hazard_j), risk = -sum_k S_k.
 */
public record SurvivalPrediction(float[] logits, float[] hazards, float[] survival, double risk) {
}
