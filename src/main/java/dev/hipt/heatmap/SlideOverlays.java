package dev.hipt.heatmap;

import dev.hipt.results.AnalysedSlide;
import dev.hipt.results.AnalysedSlides;
import dev.hipt.results.RegionResult;
import dev.hipt.system.ApiException;
import dev.hipt.system.ErrorCodes;
import java.awt.image.BufferedImage;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import org.springframework.http.HttpStatus;
import org.springframework.stereotype.Service;

/**
 * Slide-level heatmap layers in level-0 pixel coordinates: the seam a tile layer draws through. {@link #layer}
 * renders any level-0 rectangle of a slide at any output size, opaque colour where a region was analysed and
 * transparent elsewhere (the viewer sets the opacity); the layer's values are computed once per slide, model version
 * and layer and kept in a small in-memory cache, so tiles of one layer cost only drawing.
 */
@Service
public class SlideOverlays {

    private static final int CACHED_LAYERS = 32;

    private final AnalysedSlides analysed;
    private final RegionAttentionService attention;
    private final RegionScores scores;
    private final Map<String, ScoreField> cache = new LinkedHashMap<>(16, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, ScoreField> eldest) {
            return size() > CACHED_LAYERS;
        }
    };

    SlideOverlays(AnalysedSlides analysed, RegionAttentionService attention, RegionScores scores) {
        this.analysed = analysed;
        this.attention = attention;
        this.scores = scores;
    }

    /**
     * The layer over the level-0 rectangle {@code [x, x + width) x [y, y + height)} drawn at {@code outWidth x
     * outHeight} pixels, ARGB: alpha 255 inside analysed regions, 0 outside.
     *
     * @throws ApiException 404 {@code RESULTS_NOT_FOUND} (not analysed), {@code SCORE_NOT_AVAILABLE} (no head for
     *                      the score), 409 {@code MODEL_CHANGED} (attention of models not loaded), 400
     *                      {@code VALIDATION_FAILED} (bad class or sizes)
     */
    public BufferedImage layer(UUID slideId, OverlayLayer layer, long x, long y, long width, long height,
                               int outWidth, int outHeight) {
        if (width <= 0 || height <= 0 || outWidth <= 0 || outHeight <= 0 || outWidth > 8192 || outHeight > 8192) {
            throw ApiException.validationFailed("a layer needs a non-empty level-0 rectangle and an output of 1 to"
                    + " 8192 pixels per side");
        }
        return draw(field(slideId, layer), x, y, width, height, outWidth, outHeight);
    }

    /** The layer's values, computed or from the cache. */
    ScoreField field(UUID slideId, OverlayLayer layer) {
        AnalysedSlide slide = analysed.newest(slideId, false);
        String key = slideId + "/" + slide.modelVersion() + "/" + layer;
        synchronized (cache) {
            ScoreField cached = cache.get(key);
            if (cached != null) {
                return cached;
            }
        }
        ScoreField computed = compute(slide, layer);
        synchronized (cache) {
            cache.put(key, computed);
        }
        return computed;
    }

    private ScoreField compute(AnalysedSlide slide, OverlayLayer layer) {
        ColorMap colors = layer.colors();
        List<RegionResult> regions = slide.regions();
        if (layer.score().equals(OverlayLayer.ATTENTION_4K)) {
            List<RegionMaps> maps = attention.vit4k(slide);
            List<ScoreField.Cell> cells = new ArrayList<>();
            for (int i = 0; i < regions.size(); i++) {
                RegionMaps m = maps.get(i);
                if (layer.head() >= m.heads4k()) {
                    throw ApiException.validationFailed("head must be below " + m.heads4k() + ", was "
                            + layer.head());
                }
                int g = m.grid4k();
                float[] v = new float[g * g];
                for (int c = 0; c < v.length; c++) {
                    v[c] = Percentiles.decode(m.percentile4k()[layer.head() * g * g + c]) / 100;
                }
                cells.add(cell(regions.get(i), g, v));
            }
            return new ScoreField(cells, "ViT-4K attention, head " + layer.head() + " (percentile)", "0", "100",
                    colors);
        }
        if (layer.score().equals(OverlayLayer.TISSUE)) {
            return perRegion(regions, regions.stream().mapToDouble(RegionResult::tissueFraction).toArray(),
                    "Tissue fraction", "0", "1", colors);
        }
        RegionScores.Scores s = scores.of(analysed.newest(slide.slideId(), true));
        switch (layer.score()) {
            case OverlayLayer.ATTENTION_MASS -> {
                double[] mass = require(s.attentionMass(), slide, "attention-mass", "a subtype or survival head");
                // the weights sum to 1 over often hundreds of regions: drawn as percentiles, as CLAM's heatmaps are
                float[] p = new float[mass.length];
                float[] raw = new float[mass.length];
                for (int i = 0; i < mass.length; i++) {
                    raw[i] = (float) mass[i];
                }
                Percentiles.rank(raw, 0, raw.length, 1, p);
                double[] v = new double[p.length];
                for (int i = 0; i < p.length; i++) {
                    v[i] = p[i] / 100.0;
                }
                return perRegion(regions, v, "Attention mass (" + s.massHead() + " head, percentile)", "0", "100",
                        colors);
            }
            case OverlayLayer.PROBABILITY -> {
                double[][] probabilities = require(s.probabilities(), slide, "probability", "a subtype head");
                String name = layer.className() != null ? layer.className() : slide.result().subtype() != null
                        ? slide.result().subtype().label() : s.classes().get(0);
                int k = s.classes().indexOf(name);
                if (k < 0) {
                    throw ApiException.validationFailed("class must be one of " + s.classes() + ", was '" + name
                            + "'");
                }
                double[] v = new double[probabilities.length];
                for (int i = 0; i < v.length; i++) {
                    v[i] = probabilities[i][k];
                }
                return perRegion(regions, v, "P(" + name + ") of each region alone", "0", "1", colors);
            }
            default -> {
                double[] risk = require(s.risk(), slide, "risk", "a survival head");
                // risk = -sum of the 4-bin survival curve: from -4 (lowest) to 0 (highest)
                double[] v = new double[risk.length];
                for (int i = 0; i < v.length; i++) {
                    v[i] = (risk[i] + 4) / 4;
                }
                return perRegion(regions, v, "Survival risk of each region alone", "-4", "0", colors);
            }
        }
    }

    private static <T> T require(T value, AnalysedSlide slide, String score, String what) {
        if (value == null) {
            throw new ApiException(HttpStatus.NOT_FOUND, ErrorCodes.SCORE_NOT_AVAILABLE, String.format(Locale.ROOT,
                    "Score '%s' needs %s loaded (the one that analysed slide %s, model version %s), with the"
                            + " regions' cls256 grids stored", score, what, slide.slideId(), slide.modelVersion()));
        }
        return value;
    }

    private static ScoreField perRegion(List<RegionResult> regions, double[] values, String title, String low,
                                        String high, ColorMap colors) {
        List<ScoreField.Cell> cells = new ArrayList<>();
        for (int i = 0; i < regions.size(); i++) {
            cells.add(cell(regions.get(i), 1, new float[] {(float) Math.max(0, Math.min(1, values[i]))}));
        }
        return new ScoreField(cells, title, low, high, colors);
    }

    private static ScoreField.Cell cell(RegionResult r, int grid, float[] values) {
        return new ScoreField.Cell(r.x(), r.y(), r.width(), r.height(), grid, values);
    }

    /** Draws the field's cells that meet the rectangle; pixel (i, j) shows level-0 point at its centre. */
    static BufferedImage draw(ScoreField field, long x, long y, long width, long height, int outWidth,
                              int outHeight) {
        BufferedImage out = new BufferedImage(outWidth, outHeight, BufferedImage.TYPE_INT_ARGB);
        double sx = (double) outWidth / width;
        double sy = (double) outHeight / height;
        for (ScoreField.Cell c : field.regions()) {
            if (c.x() >= x + width || c.y() >= y + height || c.x() + c.width() <= x || c.y() + c.height() <= y) {
                continue;
            }
            int i0 = Math.max(0, (int) Math.ceil((c.x() - x) * sx - 0.5));
            int i1 = Math.min(outWidth, (int) Math.ceil((c.x() + c.width() - x) * sx - 0.5));
            int j0 = Math.max(0, (int) Math.ceil((c.y() - y) * sy - 0.5));
            int j1 = Math.min(outHeight, (int) Math.ceil((c.y() + c.height() - y) * sy - 0.5));
            for (int j = j0; j < j1; j++) {
                double v = ((j + 0.5) / sy + y - c.y()) / c.height();
                int row = Math.min(c.grid() - 1, Math.max(0, (int) (v * c.grid())));
                for (int i = i0; i < i1; i++) {
                    double u = ((i + 0.5) / sx + x - c.x()) / c.width();
                    int col = Math.min(c.grid() - 1, Math.max(0, (int) (u * c.grid())));
                    out.setRGB(i, j, 0xff000000 | field.colors().rgb(c.values()[row * c.grid() + col]));
                }
            }
        }
        return out;
    }
}
