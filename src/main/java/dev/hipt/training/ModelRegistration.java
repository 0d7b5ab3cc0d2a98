package dev.hipt.training;

import java.util.List;
import java.util.Map;

/**
 * What a caller knows about a checkpoint it registers.
 *
 * @param name            a label for people, e.g. the file name; defaults to the kind and the sha256's start
 * @param source          where it came from: {@code upload}, {@code config}, {@code training-job:<id>},
 *                        {@code pretraining-job:<id>}
 * @param classes         SUBTYPE_HEAD: the class names in logit order; else empty
 * @param timeBins        SURVIVAL_HEAD: the bin edges in months; else empty
 * @param trainingMetrics empty unless the model was trained here
 */
public record ModelRegistration(String name, String source, List<String> classes, List<Double> timeBins,
                                Map<String, Object> trainingMetrics) {

    public ModelRegistration {
        classes = classes == null ? List.of() : List.copyOf(classes);
        timeBins = timeBins == null ? List.of() : List.copyOf(timeBins);
        trainingMetrics = trainingMetrics == null ? Map.of() : Map.copyOf(trainingMetrics);
    }
}
