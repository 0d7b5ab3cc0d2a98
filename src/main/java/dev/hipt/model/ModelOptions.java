package dev.hipt.model;

/**
 * How the models run.
 *
 * @param device          where: {@code AUTO} (a GPU when DJL sees one, else the CPU), {@code CPU} or {@code GPU}
 * @param vit256BatchSize how many 256 x 256 patches ViT-256 takes per forward pass (across regions)
 */
public record ModelOptions(DevicePreference device, int vit256BatchSize) {

    /** The default batch: 64 patches. */
    public static final int DEFAULT_BATCH = 64;

    public ModelOptions {
        if (device == null) {
            device = DevicePreference.AUTO;
        }
        if (vit256BatchSize < 1) {
            throw new IllegalArgumentException("vit256BatchSize must be at least 1, got " + vit256BatchSize);
        }
    }

    /** {@code AUTO}, 64. */
    public static ModelOptions defaults() {
        return new ModelOptions(DevicePreference.AUTO, DEFAULT_BATCH);
    }

    /** The device preference read from {@code hipt.model.device} style text: {@code auto}, {@code cpu} or {@code gpu}. */
    public static DevicePreference parseDevice(String text) {
        if (text == null || text.isBlank()) {
            return DevicePreference.AUTO;
        }
        return switch (text.trim().toLowerCase(java.util.Locale.ROOT)) {
            case "auto" -> DevicePreference.AUTO;
            case "cpu" -> DevicePreference.CPU;
            case "gpu", "cuda" -> DevicePreference.GPU;
            default -> throw new IllegalArgumentException("hipt.model.device must be auto, cpu or gpu, got '" + text + "'");
        };
    }
}
