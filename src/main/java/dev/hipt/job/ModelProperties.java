package dev.hipt.job;

import dev.hipt.model.DevicePreference;
import dev.hipt.model.DeviceSpec;
import dev.hipt.model.Precision;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * Which HIPT checkpoints the workers load ({@code hipt.model.*}). Checkpoint locations are file paths or
 * {@code file:} URIs; an unset ViT-256/ViT-4K pair leaves analysis unconfigured ({@code MODEL_NOT_CONFIGURED}).
 *
 * @param vit256Checkpoint   ViT-256/16 checkpoint, e.g. HIPT's {@code vit256_small_dino.pth} (DINO layout, or a plain
 *                           state dict / safetensors)
 * @param vit4kCheckpoint    ViT-4K/256 checkpoint, e.g. HIPT's {@code vit4k_xs_dino.pth}
 * @param subtypeCheckpoint  HIPT_LGP_FC state dict of a subtype head; optional, no subtype prediction without it
 * @param subtypeClasses     the subtype head's class names in logit order, e.g. {@code IDC,ILC}
 * @param survivalCheckpoint HIPT_LGP_FC state dict of a survival head (discrete time bins); optional
 * @param device             where the models run: {@code auto} (GPU when DJL sees one), {@code cpu} or {@code gpu};
 *                           the single device of a process that does not set {@code devices}
 * @param vit256BatchSize    256 x 256 patches per ViT-256 forward pass
 * @param demoRandomWeights  for a first look without checkpoints: run on seeded random weights; results are marked
 *                           untrained and no predictions are made; ignored when both ViT checkpoints are set
 * @param demoSeed           seed of the demo weights
 * @param compiled           run the ViTs as TorchScript modules compiled by libtorch (the fast production path);
 *                           {@code false}: the eager DJL blocks, the float32 reference
 * @param precision          the compiled ViTs' number format: {@code auto} (bf16 on CPUs with AMX or AVX512-BF16 and
 *                           on GPUs of compute capability 8.0+, fp16 on older GPUs, else fp32), {@code fp32},
 *                           {@code bf16} or {@code fp16}
 * @param devices            the devices to run on, e.g. {@code gpu0,gpu1}: each gets its own copy of the models and
 *                           {@code hipt.job.workers-per-device} analysis workers; empty: the one {@code device}
 */
@ConfigurationProperties("hipt.model")
public record ModelProperties(
        String vit256Checkpoint,
        String vit4kCheckpoint,
        String subtypeCheckpoint,
        List<String> subtypeClasses,
        String survivalCheckpoint,
        @DefaultValue("auto") DevicePreference device,
        @DefaultValue("64") int vit256BatchSize,
        @DefaultValue("false") boolean demoRandomWeights,
        @DefaultValue("42") long demoSeed,
        @DefaultValue("true") boolean compiled,
        @DefaultValue("auto") Precision precision,
        List<String> devices) {

    public ModelProperties {
        subtypeClasses = subtypeClasses == null ? List.of() : List.copyOf(subtypeClasses);
        if (vit256BatchSize < 1) {
            throw new IllegalArgumentException("hipt.model.vit256-batch-size must be at least 1, was " + vit256BatchSize);
        }
        if (precision == null) {
            precision = Precision.AUTO;
        }
        if (!compiled && precision != Precision.AUTO && precision != Precision.FP32) {
            throw new IllegalArgumentException("hipt.model.precision=" + precision.label() + " needs "
                    + "hipt.model.compiled=true: the eager path computes in fp32 only");
        }
        devices = devices == null ? List.of() : List.copyOf(devices);
        deviceSpecs(device, devices);
    }

    /**
     * The devices the workers run on, in the listed order: {@code hipt.model.devices}, or the one
     * {@code hipt.model.device} when that list is empty.
     */
    public List<DeviceSpec> deviceSpecs() {
        return deviceSpecs(device, devices);
    }

    private static List<DeviceSpec> deviceSpecs(DevicePreference device, List<String> devices) {
        if (devices.isEmpty()) {
            return List.of(DeviceSpec.of(device == null ? DevicePreference.AUTO : device));
        }
        List<DeviceSpec> specs;
        try {
            specs = devices.stream().map(DeviceSpec::parse).toList();
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("hipt.model.devices: " + e.getMessage(), e);
        }
        Set<DeviceSpec> seen = new HashSet<>();
        for (DeviceSpec spec : specs) {
            if (!seen.add(spec)) {
                throw new IllegalArgumentException("hipt.model.devices lists " + spec.label() + " twice: " + devices);
            }
        }
        if (specs.size() > 1 && !specs.stream().allMatch(s -> s.preference() == DevicePreference.GPU)) {
            throw new IllegalArgumentException("hipt.model.devices: several devices must all be GPUs (gpu0,gpu1,...);"
                    + " cpu and auto stand alone, got " + devices);
        }
        return specs;
    }

    /** Whether both ViT checkpoints are set. */
    public boolean hasCheckpoints() {
        return isSet(vit256Checkpoint) && isSet(vit4kCheckpoint);
    }

    static boolean isSet(String location) {
        return location != null && !location.isBlank();
    }
}
