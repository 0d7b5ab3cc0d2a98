package dev.hipt.model;

import java.util.Locale;

/**
 * How the models run.
 *
 * @param device          where: {@code AUTO} (a GPU when DJL sees one, else the CPU), {@code CPU} or {@code GPU}
 * @param vit256BatchSize how many 256 x 256 patches ViT-256 takes per forward pass (across regions)
 * @param compiled        whether the ViTs run as TorchScript modules compiled by libtorch (the production path)
 *                        rather than as the eager DJL blocks of this package (the reference, float32 only)
 * @param precision       the compiled path's number format; {@code AUTO} picks for the device
 *                        ({@link Precision#resolve}); the eager path takes only {@code AUTO} or {@code FP32}
 * @param gpu             which GPU (0, 1, ...) when {@code device} is {@code GPU}, or {@code AUTO} finds one
 */
public record ModelOptions(DevicePreference device, int vit256BatchSize, boolean compiled, Precision precision,
                           int gpu) {

    /** The default batch: 64 patches. */
    public static final int DEFAULT_BATCH = 64;

    public ModelOptions {
        if (device == null) {
            device = DevicePreference.AUTO;
        }
        if (precision == null) {
            precision = Precision.AUTO;
        }
        if (gpu < 0) {
            throw new IllegalArgumentException("gpu must be 0 or more, got " + gpu);
        }
        if (vit256BatchSize < 1) {
            throw new IllegalArgumentException("vit256BatchSize must be at least 1, got " + vit256BatchSize);
        }
        if (!compiled && precision != Precision.AUTO && precision != Precision.FP32) {
            throw new IllegalArgumentException("hipt.model.precision=" + precision.label() + " needs the compiled "
                    + "path (hipt.model.compiled=true); the eager path computes in fp32 only");
        }
    }

    /** These options on GPU 0 (when the device is a GPU). */
    public ModelOptions(DevicePreference device, int vit256BatchSize, boolean compiled, Precision precision) {
        this(device, vit256BatchSize, compiled, precision, 0);
    }

    /** These options on one listed device of {@code hipt.model.devices}. */
    public ModelOptions(DeviceSpec device, int vit256BatchSize, boolean compiled, Precision precision) {
        this(device.preference(), vit256BatchSize, compiled, precision, device.gpu());
    }

    /** The eager reference path in float32 on {@code device}. */
    public ModelOptions(DevicePreference device, int vit256BatchSize) {
        this(device, vit256BatchSize, false, Precision.FP32);
    }

    /** {@code AUTO}, 64, eager float32. */
    public static ModelOptions defaults() {
        return new ModelOptions(DevicePreference.AUTO, DEFAULT_BATCH);
    }

    /** The device preference read from {@code hipt.model.device} style text: {@code auto}, {@code cpu} or {@code gpu}. */
    public static DevicePreference parseDevice(String text) {
        if (text == null || text.isBlank()) {
            return DevicePreference.AUTO;
        }
        return switch (text.trim().toLowerCase(Locale.ROOT)) {
            case "auto" -> DevicePreference.AUTO;
            case "cpu" -> DevicePreference.CPU;
            case "gpu", "cuda" -> DevicePreference.GPU;
            default -> throw new IllegalArgumentException("hipt.model.device must be auto, cpu or gpu, got '" + text + "'");
        };
    }
}
