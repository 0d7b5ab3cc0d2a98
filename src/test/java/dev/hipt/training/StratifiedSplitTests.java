package dev.hipt.training;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

class StratifiedSplitTests {

    private static final List<String> NAMES = List.of("A", "B");

    @Test
    void holdsOutTheFractionOfEveryClassSeeded() {
        int[] strata = {0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1};
        StratifiedSplit split = StratifiedSplit.of(strata, 0.25, 7, NAMES, "class");
        assertThat(split.validation().stream().filter(i -> strata[i] == 0)).hasSize(2);
        assertThat(split.validation().stream().filter(i -> strata[i] == 1)).hasSize(1);
        assertThat(split.train()).hasSize(9).doesNotContainAnyElementsOf(split.validation());
        assertThat(StratifiedSplit.of(strata, 0.25, 7, NAMES, "class")).isEqualTo(split);
        assertThat(List.of(1L, 2L, 3L, 4L, 5L).stream().map(s -> StratifiedSplit.of(strata, 0.25, s, NAMES,
                "class").validation()).distinct().count()).as("other seeds, other splits").isGreaterThan(1);
    }

    @Test
    void aClassOfOneSlideCannotBeSplit() {
        assertThatThrownBy(() -> StratifiedSplit.of(new int[] {0, 0, 0, 1}, 0.25, 1, NAMES, "class"))
                .isInstanceOfSatisfying(TrainingFailure.class,
                        f -> assertThat(f.code()).isEqualTo(TrainingFailure.TOO_FEW_SLIDES))
                .hasMessageContaining("'B'");
    }
}
