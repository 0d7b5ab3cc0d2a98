package dev.hipt.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/** The slide heads on random weights of the official widths (one ViT-4K block). */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class SlideHeadTests {

    private SlideHead subtype;
    private SlideHead survival;
    private List<float[]> regions;

    @BeforeAll
    void loadHeads() {
        ModelOptions cpu = new ModelOptions(DevicePreference.CPU, 8);
        subtype = SlideHead.load(SlideAggregator.small(1, 3).randomStateDict(31), cpu);
        survival = SlideHead.load(SlideAggregator.small(1, 4).randomStateDict(32), cpu);
        Random random = new Random(33);
        regions = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            regions.add(TrainingTests.gaussian(random, 256 * 384));
        }
    }

    @AfterAll
    void close() {
        subtype.close();
        survival.close();
    }

    @Test
    void subtypeGivesSoftmaxProbabilitiesAndTheMostProbableLabel() {
        SubtypePrediction p = subtype.subtype(regions, List.of("IDC", "ILC", "other"));

        assertThat(subtype.outputs()).isEqualTo(3);
        assertThat(p.logits()).containsExactly(subtype.logits(regions));
        double sum = 0;
        int best = 0;
        for (int i = 0; i < 3; i++) {
            sum += p.probabilities()[i];
            if (p.logits()[i] > p.logits()[best]) {
                best = i;
            }
        }
        assertThat(sum).isCloseTo(1.0, within(1e-6));
        assertThat(p.label()).isEqualTo(List.of("IDC", "ILC", "other").get(best));
    }

    @Test
    void subtypeRefusesClassNamesThatDoNotMatchTheHead() {
        assertThatThrownBy(() -> subtype.subtype(regions, List.of("IDC", "ILC")))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("3 classes");
    }

    @Test
    void survivalGivesHazardsCurveAndRiskFromTheLogits() {
        SurvivalPrediction p = survival.survival(regions);

        double s = 1;
        double risk = 0;
        for (int k = 0; k < 4; k++) {
            double h = 1 / (1 + Math.exp(-p.logits()[k]));
            s *= 1 - h;
            risk -= s;
            assertThat(p.hazards()[k]).isCloseTo((float) h, within(1e-6f));
            assertThat(p.survival()[k]).isCloseTo((float) s, within(1e-6f));
        }
        assertThat(p.risk()).isCloseTo(risk, within(1e-6));
        assertThat(p.survival()[3]).isLessThan(p.survival()[0]);
    }

    @Test
    void regionOrderDoesNotChangeTheSlidePrediction() {
        List<float[]> reversed = new ArrayList<>(regions);
        java.util.Collections.reverse(reversed);

        float[] a = subtype.logits(regions);
        float[] b = subtype.logits(reversed);

        for (int i = 0; i < a.length; i++) {
            assertThat(b[i]).isCloseTo(a[i], within(1e-5f));
        }
    }

    @Test
    void refusesAnEmptySlide() {
        assertThatThrownBy(() -> subtype.logits(List.of())).isInstanceOf(IllegalArgumentException.class);
    }
}
