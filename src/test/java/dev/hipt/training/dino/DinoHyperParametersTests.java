package dev.hipt.training.dino;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;

class DinoHyperParametersTests {

    @Test
    void defaultsAreDinosAndHipts() {
        DinoHyperParameters d = DinoHyperParameters.defaults();
        assertThat(d).isEqualTo(new DinoHyperParameters(65536, 2048, 256, 0.04, 0.04, 0, 0.1, 0.9, 0.996, 5e-4, 1e-6,
                10, 0.04, 0.4, 3.0, 1, 0.1, 64, 8));
        assertThat(d.scaledLr()).isEqualTo(5e-4 * 64 / 256);
    }

    @Test
    void outOfRangeValuesAreRefusedNamingTheField() {
        Map<String, UnaryOperator<DinoHyperParameters.Builder>> bad = Map.ofEntries(
                Map.entry("outDim", b -> b.outDim(0)),
                Map.entry("hiddenDim", b -> b.hiddenDim(-1)),
                Map.entry("teacherTemp", b -> b.teacherTemp(0)),
                Map.entry("warmupTeacherTemp", b -> b.warmupTeacherTemp(Double.NaN)),
                Map.entry("studentTemp", b -> b.studentTemp(2)),
                Map.entry("centerMomentum", b -> b.centerMomentum(1.5)),
                Map.entry("momentumTeacher", b -> b.momentumTeacher(-0.1)),
                Map.entry("lr", b -> b.lr(0)),
                Map.entry("minLr", b -> b.minLr(-1)),
                Map.entry("warmupEpochs", b -> b.warmupEpochs(-1)),
                Map.entry("weightDecay", b -> b.weightDecay(Double.POSITIVE_INFINITY)),
                Map.entry("weightDecayEnd", b -> b.weightDecayEnd(-0.4)),
                Map.entry("clipGrad", b -> b.clipGrad(-3)),
                Map.entry("freezeLastLayer", b -> b.freezeLastLayer(-1)),
                Map.entry("dropPathRate", b -> b.dropPathRate(1)),
                Map.entry("batchSize", b -> b.batchSize(0)),
                Map.entry("localCrops", b -> b.localCrops(-2)));
        bad.forEach((field, change) -> assertThatThrownBy(() -> change.apply(DinoHyperParameters.builder()).build())
                .as(field).isInstanceOf(IllegalArgumentException.class).hasMessageStartingWith(field + " must be"));
    }

    @Test
    void argsRoundTripAsACheckpointStoresThem() {
        DinoHyperParameters hp = DinoToys.tiny().toBuilder().teacherTemp(0.07).warmupTeacherTempEpochs(3).build();
        assertThat(DinoHyperParameters.fromArgs(hp.toArgs())).isEqualTo(hp);
    }
}
