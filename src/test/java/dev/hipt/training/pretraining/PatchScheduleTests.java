package dev.hipt.training.pretraining;

import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.stream.IntStream;

import static org.assertj.core.api.Assertions.assertThat;

class PatchScheduleTests {

    @Test
    void everyEpochTakesEachItemOnceInAnotherOrder() {
        PatchSchedule schedule = new PatchSchedule(12, 4, 7);

        assertThat(schedule.itersPerEpoch()).isEqualTo(3);
        int[] epoch0 = IntStream.range(0, 3).flatMap(i -> Arrays.stream(schedule.batch(i))).toArray();
        int[] epoch1 = IntStream.range(3, 6).flatMap(i -> Arrays.stream(schedule.batch(i))).toArray();
        assertThat(epoch0).containsExactlyInAnyOrder(IntStream.range(0, 12).toArray());
        assertThat(epoch1).containsExactlyInAnyOrder(IntStream.range(0, 12).toArray());
        assertThat(epoch0).isNotEqualTo(epoch1);
    }

    @Test
    void batchesAndSampleDrawsDependOnlyOnSeedAndIteration() {
        PatchSchedule a = new PatchSchedule(50, 8, 3);
        PatchSchedule b = new PatchSchedule(50, 8, 3);
        PatchSchedule other = new PatchSchedule(50, 8, 4);

        assertThat(a.batch(17)).isEqualTo(b.batch(17));
        assertThat(a.sampleRandom(17, 2).nextLong()).isEqualTo(b.sampleRandom(17, 2).nextLong());
        assertThat(a.sampleRandom(17, 2).nextLong()).isNotEqualTo(a.sampleRandom(17, 3).nextLong());
        assertThat(a.batch(0)).isNotEqualTo(other.batch(0));
    }

    @Test
    void fewerItemsThanABatchTakeItemsAgain() {
        PatchSchedule schedule = new PatchSchedule(3, 5, 1);

        assertThat(schedule.itersPerEpoch()).isEqualTo(1);
        assertThat(schedule.batch(0)).hasSize(5).containsOnly(0, 1, 2);
    }
}
