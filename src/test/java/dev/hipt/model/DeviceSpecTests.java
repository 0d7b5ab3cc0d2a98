package dev.hipt.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class DeviceSpecTests {

    @Test
    void readsCpuAutoAndGpusByIndex() {
        assertThat(DeviceSpec.parse("cpu")).isEqualTo(new DeviceSpec(DevicePreference.CPU, 0));
        assertThat(DeviceSpec.parse(" Auto ")).isEqualTo(new DeviceSpec(DevicePreference.AUTO, 0));
        assertThat(DeviceSpec.parse("")).isEqualTo(new DeviceSpec(DevicePreference.AUTO, 0));
        assertThat(DeviceSpec.parse("gpu")).isEqualTo(new DeviceSpec(DevicePreference.GPU, 0));
        assertThat(DeviceSpec.parse("gpu1")).isEqualTo(new DeviceSpec(DevicePreference.GPU, 1));
        assertThat(DeviceSpec.parse("cuda:3")).isEqualTo(new DeviceSpec(DevicePreference.GPU, 3));
        assertThat(DeviceSpec.parse("gpu(2)")).isEqualTo(new DeviceSpec(DevicePreference.GPU, 2));
    }

    @Test
    void labelsReadBackAsTheSameDevice() {
        for (String text : new String[] {"cpu", "auto", "gpu0", "gpu7"}) {
            assertThat(DeviceSpec.parse(text).label()).isEqualTo(text);
        }
    }

    @Test
    void refusesWhatIsNoDevice() {
        assertThatThrownBy(() -> DeviceSpec.parse("tpu0")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("tpu0");
        assertThatThrownBy(() -> DeviceSpec.parse("gpu-1")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new DeviceSpec(DevicePreference.CPU, 1)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void aGpuIndexTheEngineDoesNotSeeIsRefusedWithTheCount() {
        // this machine's libtorch may see no GPU at all; either way gpu999 is not there
        assertThatThrownBy(() -> Devices.select(DevicePreference.GPU, 999)).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("GPU");
        assertThat(Devices.select(DevicePreference.CPU, 0).isGpu()).isFalse();
    }
}
