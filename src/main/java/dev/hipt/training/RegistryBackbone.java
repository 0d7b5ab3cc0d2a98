package dev.hipt.training;

import dev.hipt.results.ActiveBackbone;
import dev.hipt.results.AnalysedSlideVectors;
import dev.hipt.results.Provenance;
import dev.hipt.system.ErrorCodes;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import org.springframework.stereotype.Component;

/**
 * The backbone that is active in the model registry: its ViT-256, ViT-4K and model version (the one analyses record,
 * {@link Provenance#backboneVersion}). The results answers compare stored embeddings with it, and head training
 * learns only from slides analysed with it, because a head trained on one backbone's features means nothing on
 * another's.
 */
@Component
class RegistryBackbone implements ActiveBackbone {

    /** How many slide ids a failure's detail lists before it only counts them. */
    private static final int NAMED = 5;

    private final ModelRegistry registry;
    private final AnalysedSlideVectors analysed;

    RegistryBackbone(ModelRegistry registry, AnalysedSlideVectors analysed) {
        this.registry = registry;
        this.analysed = analysed;
    }

    /**
     * The active backbone.
     *
     * @param vit256       the active ViT-256
     * @param vit4k        the active ViT-4K
     * @param modelVersion the model version their embeddings carry
     */
    record Backbone(RegisteredModel vit256, RegisteredModel vit4k, String modelVersion) {
    }

    /** The active backbone, or empty when no ViT-256 or no ViT-4K is active. */
    Optional<Backbone> active() {
        Optional<RegisteredModel> vit256 = registry.active(ModelKind.VIT256);
        Optional<RegisteredModel> vit4k = registry.active(ModelKind.VIT4K);
        if (vit256.isEmpty() || vit4k.isEmpty()) {
            return Optional.empty();
        }
        return Optional.of(new Backbone(vit256.get(), vit4k.get(),
                Provenance.backboneVersion(vit256.get().sha256(), vit4k.get().sha256())));
    }

    @Override
    public Optional<String> modelVersion() {
        return active().map(Backbone::modelVersion);
    }

    /**
     * The active backbone, once every one of {@code slideIds} has a finished analysis made with it.
     *
     * @throws TrainingFailure {@code MODEL_NOT_CONFIGURED} when no backbone is active;
     *                         {@value TrainingFailure#NOT_ON_BACKBONE} naming how many slides lack its embeddings
     */
    Backbone requireAnalysed(Collection<UUID> slideIds) {
        Backbone backbone = active().orElseThrow(() -> new TrainingFailure(ErrorCodes.MODEL_NOT_CONFIGURED,
                "no ViT-256 and ViT-4K are active: a head trains on the active backbone's embeddings"));
        Set<UUID> done = analysed.analysedWith(slideIds, backbone.modelVersion());
        List<UUID> missing = slideIds.stream().distinct().filter(id -> !done.contains(id)).toList();
        if (!missing.isEmpty()) {
            String named = missing.stream().limit(NAMED).map(UUID::toString).reduce((a, b) -> a + ", " + b)
                    .orElseThrow() + (missing.size() > NAMED ? ", ..." : "");
            throw new TrainingFailure(TrainingFailure.NOT_ON_BACKBONE, missing.size() + " of "
                    + slideIds.stream().distinct().count() + " labelled slides are not analysed with the active "
                    + "backbone " + backbone.modelVersion() + " (ViT-256 " + backbone.vit256().id() + ", ViT-4K "
                    + backbone.vit4k().id() + "): " + named + ". Reanalyse them (POST /api/v1/slides with "
                    + "reanalyse=true) or activate the backbone they were analysed with");
        }
        return backbone;
    }
}
