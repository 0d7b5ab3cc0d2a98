package dev.hipt.training;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;

/**
 * A seeded stratified split into training and validation: each stratum (class, or survival bin) is shuffled with
 * the seed and {@code round(fraction * n)} of it, at least one, goes to validation; at least one stays for training.
 *
 * @param train indices of the training samples
 * @param validation indices of the validation samples
 */
record StratifiedSplit(List<Integer> train, List<Integer> validation) {

    /**
     * @param strata each sample's stratum
     * @param what   what a stratum is, for the error ("class", "time bin")
     * @throws TrainingFailure naming the stratum when it has fewer than 2 samples
     */
    static StratifiedSplit of(int[] strata, double fraction, long seed, List<String> names, String what) {
        Map<Integer, List<Integer>> byStratum = new TreeMap<>();
        for (int i = 0; i < strata.length; i++) {
            byStratum.computeIfAbsent(strata[i], k -> new ArrayList<>()).add(i);
        }
        Random random = new Random(seed);
        List<Integer> train = new ArrayList<>();
        List<Integer> validation = new ArrayList<>();
        for (Map.Entry<Integer, List<Integer>> e : byStratum.entrySet()) {
            List<Integer> members = e.getValue();
            if (members.size() < 2) {
                throw new TrainingFailure(TrainingFailure.TOO_FEW_SLIDES, what + " '" + names.get(e.getKey())
                        + "' has " + members.size() + " slide; the split needs at least 2 (one to train on, one to"
                        + " validate with)");
            }
            Collections.shuffle(members, random);
            int held = (int) Math.min(members.size() - 1, Math.max(1, Math.round(fraction * members.size())));
            validation.addAll(members.subList(0, held));
            train.addAll(members.subList(held, members.size()));
        }
        Collections.sort(train);
        Collections.sort(validation);
        return new StratifiedSplit(List.copyOf(train), List.copyOf(validation));
    }
}
