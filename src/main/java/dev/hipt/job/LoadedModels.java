package dev.hipt.job;

import dev.hipt.model.RegionEncoder;
import dev.hipt.model.SlideHead;
import dev.hipt.results.Provenance;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Optional;

/**
 * The models a worker runs, loaded once per process from {@code hipt.model.*}.
 *
 * @param encoder        ViT-256 + ViT-4K on the device to encode with (the first, or only, one unless
 *                       {@link #onDevice} chose another); thread-safe
 * @param subtype        the subtype head, when {@code hipt.model.subtype-checkpoint} is set
 * @param subtypeClasses class names in logit order ({@code hipt.model.subtype-classes})
 * @param survival       the survival head, when {@code hipt.model.survival-checkpoint} is set
 * @param encoders       the same encoder on every device of {@code hipt.model.devices}, in that order; one of them
 *                       is {@code encoder}
 */
public record LoadedModels(RegionEncoder encoder, Optional<SlideHead> subtype, List<String> subtypeClasses,
                           Optional<SlideHead> survival, Provenance provenance, List<RegionEncoder> encoders) {

    public LoadedModels {
        // a test's fake encoder may be null: the list keeps nulls
        encoders = encoders == null || encoders.isEmpty() ? Collections.singletonList(encoder)
                : Collections.unmodifiableList(new ArrayList<>(encoders));
        if (!encoders.contains(encoder)) {
            throw new IllegalArgumentException("the encoder must be one of the encoders");
        }
    }

    /** Models on one device. */
    public LoadedModels(RegionEncoder encoder, Optional<SlideHead> subtype, List<String> subtypeClasses,
                        Optional<SlideHead> survival, Provenance provenance) {
        this(encoder, subtype, subtypeClasses, survival, provenance, null);
    }

    /** These models with the encoder of device {@code index} (of {@link #encoders()}) as the one to encode with. */
    LoadedModels onDevice(int index) {
        return new LoadedModels(encoders.get(index), subtype, subtypeClasses, survival, provenance, encoders);
    }
}
