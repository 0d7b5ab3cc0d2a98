package dev.hipt.model;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDManager;

/** Picks the DJL device for a {@link DevicePreference} and names it. */
public final class Devices {

    static final String ENGINE = "PyTorch";

    private Devices() {
    }

    /**
     * The device {@code preference} asks for.
     *
     * @throws IllegalStateException for {@code GPU} when DJL's PyTorch engine sees none
     */
    public static Device select(DevicePreference preference) {
        int gpus = Engine.getEngine(ENGINE).getGpuCount();
        return switch (preference) {
            case CPU -> Device.cpu();
            case AUTO -> gpus > 0 ? Device.gpu() : Device.cpu();
            case GPU -> {
                if (gpus == 0) {
                    throw new IllegalStateException("hipt.model.device=gpu, but DJL's PyTorch engine sees no GPU "
                            + "(CPU-only libtorch, or no CUDA device visible); set hipt.model.device to auto or cpu");
                }
                yield Device.gpu();
            }
        };
    }

    /** A new base manager of the PyTorch engine on {@code device}; the caller closes it. */
    public static NDManager newManager(Device device) {
        return NDManager.newBaseManager(device, ENGINE);
    }

    /** {@code "cpu"} or {@code "gpu(N)"}. */
    static String name(Device device) {
        return device.isGpu() ? "gpu(" + device.getDeviceId() + ")" : "cpu";
    }
}
