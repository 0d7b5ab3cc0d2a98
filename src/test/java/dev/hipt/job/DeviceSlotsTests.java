package dev.hipt.job;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class DeviceSlotsTests {

    @Test
    void spreadsAnalysesOverTheDevicesLeastBusyFirst() {
        DeviceSlots slots = new DeviceSlots();

        assertThat(slots.take(2)).isEqualTo(0);
        assertThat(slots.take(2)).isEqualTo(1);
        assertThat(slots.take(2)).isEqualTo(0);
        slots.give(1);
        assertThat(slots.take(2)).as("gpu1 is free again").isEqualTo(1);
        assertThat(slots.take(2)).isEqualTo(1);
    }

    @Test
    void oneDeviceTakesEveryAnalysis() {
        DeviceSlots slots = new DeviceSlots();

        assertThat(slots.take(1)).isZero();
        assertThat(slots.take(1)).isZero();
        slots.give(0);
        slots.give(0);
        assertThatThrownBy(() -> slots.give(0)).isInstanceOf(IllegalStateException.class);
    }
}
