package dev.hipt.heatmap;

import dev.hipt.system.ApiException;
import java.util.Locale;

/**
 * Which slide-level layer to draw and how: a score ({@code attention4k}, {@code attention-mass}, {@code probability},
 * {@code tissue}, {@code risk}), the ViT-4K head for {@code attention4k}, the class for {@code probability} (default:
 * the slide's predicted class) and the colour map.
 *
 * @param score     the score's name as in the API
 * @param head      ViT-4K head, 0 to 5 (only {@code attention4k})
 * @param className subtype class (only {@code probability}); {@code null} for the slide's predicted class
 * @param colorMap  {@code coolwarm} (HIPT's default) or {@code jet} (HIPT's brightened jet)
 */
public record OverlayLayer(String score, int head, String className, String colorMap) {

    public static final String ATTENTION_4K = "attention4k";
    public static final String ATTENTION_MASS = "attention-mass";
    public static final String PROBABILITY = "probability";
    public static final String TISSUE = "tissue";
    public static final String RISK = "risk";

    /**
     * The layer a request names; {@code null} parameters take their defaults (head 0, the predicted class,
     * coolwarm).
     *
     * @throws ApiException 400 {@code VALIDATION_FAILED} naming the bad parameter
     */
    public static OverlayLayer of(String score, Integer head, String className, String colorMap) {
        String s = score == null ? ATTENTION_4K : score.trim().toLowerCase(Locale.ROOT);
        if (!s.equals(ATTENTION_4K) && !s.equals(ATTENTION_MASS) && !s.equals(PROBABILITY) && !s.equals(TISSUE)
                && !s.equals(RISK)) {
            throw ApiException.validationFailed("score must be one of attention4k, attention-mass, probability,"
                    + " tissue, risk; was '" + score + "'");
        }
        int h = head == null ? 0 : head;
        if (h < 0 || h > 5) {
            throw ApiException.validationFailed("head must be between 0 and 5, was " + head);
        }
        return new OverlayLayer(s, h, className, colorMap(colorMap).id());
    }

    static ColorMap colorMap(String name) {
        if (name == null) {
            return ColorMap.COOLWARM;
        }
        try {
            return ColorMap.parse(name);
        } catch (IllegalArgumentException e) {
            throw ApiException.validationFailed("cmap must be coolwarm or jet, was '" + name + "'");
        }
    }

    ColorMap colors() {
        return ColorMap.parse(colorMap);
    }
}
