package dev.hipt.job;

import dev.hipt.model.RegionEncoder;
import dev.hipt.model.SlideHead;
import dev.hipt.results.Provenance;
import java.util.List;
import java.util.Optional;

/**
 * The models a worker runs, loaded once per process from {@code hipt.model.*}.
 *
 * @param encoder        ViT-256 + ViT-4K; thread-safe
 * @param subtype        the subtype head, when {@code hipt.model.subtype-checkpoint} is set
 * @param subtypeClasses class names in logit order ({@code hipt.model.subtype-classes})
 * @param survival       the survival head, when {@code hipt.model.survival-checkpoint} is set
 */
public record LoadedModels(RegionEncoder encoder, Optional<SlideHead> subtype, List<String> subtypeClasses,
                           Optional<SlideHead> survival, Provenance provenance) {
}
