package dev.hipt.training;

/**
 * How a head is trained: HIPT's defaults (AdamW, learning rate 2e-4, weight decay 1e-5, gradient accumulation over
 * 32 slides, early stopping on the validation loss) scaled to what one call asks for.
 *
 * @param epochs             the most passes over the training slides (1 to 1000)
 * @param learningRate       AdamW's learning rate (0 exclusive to 1)
 * @param weightDecay        AdamW's decoupled weight decay (0 to 1)
 * @param accumulationSteps  slides whose gradients are summed before one optimiser step (1 to 1024); each slide's
 *                           loss is divided by it, as HIPT's {@code loss / gc}
 * @param validationFraction share of each stratum held out for validation (0 and 1 exclusive)
 * @param seed               seeds the initialisation, the split and the shuffling
 * @param patience           epochs without a lower validation loss before training stops (1 to 1000)
 * @param freezeVit4k        whether the {@code local_vit} inside the head keeps the active ViT-4K's weights
 */
public record TrainingOptions(int epochs, double learningRate, double weightDecay, int accumulationSteps,
                              double validationFraction, long seed, int patience, boolean freezeVit4k) {

    public static final double DEFAULT_LEARNING_RATE = 2e-4;
    public static final double DEFAULT_WEIGHT_DECAY = 1e-5;
    public static final int DEFAULT_ACCUMULATION_STEPS = 32;
    public static final double DEFAULT_VALIDATION_FRACTION = 0.25;
    public static final long DEFAULT_SEED = 1;
    public static final int DEFAULT_PATIENCE = 10;

    /** Checks every range; a value outside one is an {@link IllegalArgumentException} that names the field. */
    public TrainingOptions {
        require(epochs >= 1 && epochs <= 1000, "epochs must be between 1 and 1000, was " + epochs);
        require(learningRate > 0 && learningRate < 1, "learningRate must be in (0, 1), was " + learningRate);
        require(weightDecay >= 0 && weightDecay <= 1, "weightDecay must be in [0, 1], was " + weightDecay);
        require(accumulationSteps >= 1 && accumulationSteps <= 1024,
                "accumulationSteps must be between 1 and 1024, was " + accumulationSteps);
        require(validationFraction > 0 && validationFraction < 1,
                "validationFraction must be in (0, 1), was " + validationFraction);
        require(patience >= 1 && patience <= 1000, "patience must be between 1 and 1000, was " + patience);
    }

    private static void require(boolean ok, String message) {
        if (!ok) {
            throw new IllegalArgumentException(message);
        }
    }
}
