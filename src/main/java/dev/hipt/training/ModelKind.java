package dev.hipt.training;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import dev.hipt.system.ApiException;
import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

/** What a registered checkpoint is; one model of each kind is active at a time. */
public enum ModelKind {
    /** ViT-256/16, the patch encoder. */
    VIT256("vit256"),
    /** ViT-4K/256, the region encoder over ViT-256 CLS tokens. */
    VIT4K("vit4k"),
    /** HIPT_LGP_FC subtype head: softmax over its classes. */
    SUBTYPE_HEAD("subtype"),
    /** HIPT_LGP_FC survival head: discrete-time hazards over 4 bins. */
    SURVIVAL_HEAD("survival");

    private final String json;

    ModelKind(String json) {
        this.json = json;
    }

    /** The name clients send and see: {@code vit256}, {@code vit4k}, {@code subtype}, {@code survival}. */
    @JsonValue
    public String json() {
        return json;
    }

    /** Whether this kind is part of the backbone (the region encoder) rather than a head. */
    public boolean backbone() {
        return this == VIT256 || this == VIT4K;
    }

    /**
     * The kind named {@code text} (its JSON name, case-insensitive).
     *
     * @throws ApiException 400 VALIDATION_FAILED naming the accepted values
     */
    @JsonCreator
    public static ModelKind fromJson(String text) {
        String wanted = text == null ? "" : text.strip().toLowerCase(Locale.ROOT);
        return Arrays.stream(values()).filter(k -> k.json.equals(wanted)).findFirst()
                .orElseThrow(() -> ApiException.validationFailed("kind must be one of " + Arrays.stream(values())
                        .map(ModelKind::json).collect(Collectors.joining(", ")) + ", was '" + text + "'"));
    }
}
