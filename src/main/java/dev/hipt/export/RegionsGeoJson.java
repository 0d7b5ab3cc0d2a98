package dev.hipt.export;

import dev.hipt.heatmap.RegionScores;
import dev.hipt.results.AnalysedSlide;
import dev.hipt.results.AnalysedSlides;
import dev.hipt.results.RegionResult;
import dev.hipt.slide.SlideImages;
import dev.hipt.wsi.TissueMask;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.springframework.stereotype.Component;

/**
 * A slide's newest analysis as the GeoJSON QuPath reads ({@code qupath.lib.io.QuPathTypeAdapters}): Features whose
 * {@code id} is a UUID and whose {@code properties} hold {@code objectType} ({@code tile}, {@code annotation}),
 * {@code isLocked}, {@code measurements} as a name-to-number map and {@code classification} {@code {name, color:
 * [r, g, b]}}. Region ids are derived from the slide, model version and region geometry, so an export is stable.
 */
@Component
class RegionsGeoJson {

    static final String TISSUE = "Tissue";
    /** Colours of classes by their index in the head's class list (QuPath's own palette is per project). */
    private static final int[][] PALETTE = {{228, 26, 28}, {55, 126, 184}, {77, 175, 74}, {152, 78, 163},
        {255, 127, 0}, {166, 86, 40}, {247, 129, 191}, {153, 153, 153}};
    private static final int[] TISSUE_COLOR = {20, 160, 60};

    private final AnalysedSlides analysed;
    private final RegionScores scores;
    private final SlideImages images;

    RegionsGeoJson(AnalysedSlides analysed, RegionScores scores, SlideImages images) {
        this.analysed = analysed;
        this.scores = scores;
        this.images = images;
    }

    Map<String, Object> of(UUID slideId) throws IOException {
        AnalysedSlide slide = analysed.newest(slideId, true);
        RegionScores.Scores s = scores.of(slide);
        List<Object> features = new ArrayList<>();
        for (int i = 0; i < slide.regions().size(); i++) {
            RegionResult r = slide.regions().get(i);
            Map<String, Object> measurements = new LinkedHashMap<>();
            measurements.put("Region index", i);
            measurements.put("Tissue fraction", r.tissueFraction());
            if (s.attentionMass() != null) {
                measurements.put("Attention mass", s.attentionMass()[i]);
            }
            Map<String, Object> properties = new LinkedHashMap<>();
            properties.put("objectType", "tile");
            properties.put("isLocked", true);
            if (s.probabilities() != null) {
                int best = 0;
                for (int k = 0; k < s.classes().size(); k++) {
                    measurements.put("P(" + s.classes().get(k) + ")", s.probabilities()[i][k]);
                    if (s.probabilities()[i][k] > s.probabilities()[i][best]) {
                        best = k;
                    }
                }
                properties.put("classification", classification(s.classes().get(best),
                        PALETTE[best % PALETTE.length]));
            }
            if (s.risk() != null) {
                measurements.put("Risk", s.risk()[i]);
            }
            properties.put("measurements", measurements);
            String key = slideId + "/" + slide.modelVersion() + "/" + r.x() + "," + r.y() + "," + r.width() + ","
                    + r.height();
            features.add(feature(UUID.nameUUIDFromBytes(key.getBytes(StandardCharsets.UTF_8)), rectangle(r),
                    properties));
        }
        TissueMask mask = images.tissueMask(slideId);
        List<TissueContours.Polygon> contours = TissueContours.of(mask);
        for (int i = 0; i < contours.size(); i++) {
            Map<String, Object> properties = new LinkedHashMap<>();
            properties.put("objectType", "annotation");
            properties.put("isLocked", true);
            properties.put("classification", classification(TISSUE, TISSUE_COLOR));
            String key = slideId + "/tissue/" + i;
            features.add(feature(UUID.nameUUIDFromBytes(key.getBytes(StandardCharsets.UTF_8)),
                    Map.of("type", "Polygon", "coordinates", contours.get(i).rings()), properties));
        }
        Map<String, Object> collection = new LinkedHashMap<>();
        collection.put("type", "FeatureCollection");
        collection.put("features", features);
        return collection;
    }

    private static Map<String, Object> classification(String name, int[] rgb) {
        Map<String, Object> c = new LinkedHashMap<>();
        c.put("name", name);
        c.put("color", List.of(rgb[0], rgb[1], rgb[2]));
        return c;
    }

    private static Map<String, Object> rectangle(RegionResult r) {
        long x1 = r.x() + r.width();
        long y1 = r.y() + r.height();
        List<List<Long>> ring = List.of(List.of(r.x(), r.y()), List.of(x1, r.y()), List.of(x1, y1),
                List.of(r.x(), y1), List.of(r.x(), r.y()));
        return Map.of("type", "Polygon", "coordinates", List.of(ring));
    }

    private static Map<String, Object> feature(UUID id, Map<String, Object> geometry, Map<String, Object> props) {
        Map<String, Object> f = new LinkedHashMap<>();
        f.put("type", "Feature");
        f.put("id", id.toString());
        f.put("geometry", geometry);
        f.put("properties", props);
        return f;
    }
}
