package dev.hipt.model;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDManager;
import ai.djl.util.cuda.CudaUtils;
import java.lang.management.MemoryUsage;

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
        return select(preference, 0);
    }

    /**
     * The device {@code preference} asks for, GPU number {@code gpu} when that is a GPU.
     *
     * @throws IllegalStateException for {@code GPU} when DJL's PyTorch engine sees no GPU, or fewer than
     *                               {@code gpu + 1}
     */
    public static Device select(DevicePreference preference, int gpu) {
        int gpus = Engine.getEngine(ENGINE).getGpuCount();
        return switch (preference) {
            case CPU -> Device.cpu();
            case AUTO -> gpus > gpu ? Device.gpu(gpu) : Device.cpu();
            case GPU -> {
                if (gpus == 0) {
                    throw new IllegalStateException("hipt.model.device=gpu, but DJL's PyTorch engine sees no GPU "
                            + "(CPU-only libtorch, or no CUDA device visible); set hipt.model.device to auto or cpu");
                }
                if (gpu >= gpus) {
                    throw new IllegalStateException("gpu" + gpu + " is configured, but DJL's PyTorch engine sees "
                            + gpus + " GPU(s): gpu0 to gpu" + (gpus - 1));
                }
                yield Device.gpu(gpu);
            }
        };
    }

    /** Bytes free on a CUDA device now (total minus what is in use, the caching allocator's reserve included). */
    static long freeMemory(Device gpu) {
        MemoryUsage usage = CudaUtils.getGpuMemory(gpu);
        return usage.getMax() - usage.getUsed();
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
