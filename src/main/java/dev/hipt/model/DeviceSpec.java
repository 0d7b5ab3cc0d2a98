package dev.hipt.model;

import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One entry of {@code hipt.model.devices} (or the older single {@code hipt.model.device}): {@code auto}, {@code cpu},
 * or a GPU by index ({@code gpu0}, {@code gpu1}, ...; {@code gpu} and {@code cuda} alone mean {@code gpu0};
 * {@code cuda:1} and {@code gpu(1)} are read too).
 *
 * @param preference where the models run
 * @param gpu        which GPU, when {@code preference} is {@code GPU} (or {@code AUTO} finds one); 0 otherwise
 */
public record DeviceSpec(DevicePreference preference, int gpu) {

    private static final Pattern GPU = Pattern.compile("(?:gpu|cuda)(?:[:(]?(\\d+)\\)?)?");

    public DeviceSpec {
        if (preference == null) {
            preference = DevicePreference.AUTO;
        }
        if (gpu < 0 || (gpu > 0 && preference != DevicePreference.GPU)) {
            throw new IllegalArgumentException("a GPU index (" + gpu + ") needs a GPU device");
        }
    }

    /** {@code preference} on GPU 0 when it means one. */
    public static DeviceSpec of(DevicePreference preference) {
        return new DeviceSpec(preference, 0);
    }

    /**
     * The device named by {@code text}.
     *
     * @throws IllegalArgumentException for anything but the forms above
     */
    public static DeviceSpec parse(String text) {
        String t = text == null ? "" : text.trim().toLowerCase(Locale.ROOT);
        switch (t) {
            case "", "auto" -> {
                return of(DevicePreference.AUTO);
            }
            case "cpu" -> {
                return of(DevicePreference.CPU);
            }
            default -> {
                Matcher m = GPU.matcher(t);
                if (m.matches()) {
                    return new DeviceSpec(DevicePreference.GPU, m.group(1) == null ? 0 : Integer.parseInt(m.group(1)));
                }
                throw new IllegalArgumentException("a device is auto, cpu or gpuN (gpu0, gpu1, ...), got '" + text
                        + "'");
            }
        }
    }

    /** {@code auto}, {@code cpu} or {@code gpuN}, as {@link #parse} reads it. */
    public String label() {
        return switch (preference) {
            case AUTO -> "auto";
            case CPU -> "cpu";
            case GPU -> "gpu" + gpu;
        };
    }
}
