package dev.hipt.wsi;

import java.util.Locale;
import java.util.Map;

/** Reads MPP and objective power out of a slide's (raw, unfiltered) property map. */
final class SlideProperties {

    private SlideProperties() {
    }

    /**
     * {@code [mppX, mppY]} (either may be {@code null}) in the order OpenSlide, vendor fields, TIFF tags. A value
     * outside {@link Mpp#plausible} (a scanner or editor default such as 72 dpi, or a corrupt field such as 1e-7)
     * is not a microscope's and is treated as unknown, so the caller is asked for the real value.
     */
    static Double[] mpp(Map<String, String> p) {
        Double x = plausible(p.get("openslide.mpp-x"));
        Double y = plausible(p.get("openslide.mpp-y"));
        if (x == null && y == null) {
            x = plausible(p.get("aperio.MPP"));
            y = x;
        }
        if (x == null && y == null) {
            x = plausible(p.get("ventana.ScanRes"));
            y = x;
        }
        if (x == null && y == null) {
            String unit = p.get("tiff.ResolutionUnit");
            x = fromResolution(number(p.get("tiff.XResolution")), unit);
            y = fromResolution(number(p.get("tiff.YResolution")), unit);
        }
        if (x == null) {
            x = y;
        }
        if (y == null) {
            y = x;
        }
        return new Double[] {x, y};
    }

    static Double objectivePower(Map<String, String> p) {
        for (String key : new String[] {"openslide.objective-power", "aperio.AppMag", "hamamatsu.SourceLens",
                "ventana.Magnification"}) {
            Double value = positive(p.get(key));
            if (value != null) {
                return value;
            }
        }
        return null;
    }

    /**
     * Microns per pixel from a TIFF resolution (pixels per unit) and its unit: {@code inch}/{@code 2} gives
     * 25400 / res, {@code centimeter}/{@code 3} gives 10000 / res; no unit, or an implausible result, gives null.
     */
    static Double fromResolution(Double pixelsPerUnit, String unit) {
        if (pixelsPerUnit == null || pixelsPerUnit <= 0 || unit == null) {
            return null;
        }
        double micronsPerUnit = switch (unit.trim().toLowerCase(Locale.ROOT)) {
            case "inch", "2" -> 25400.0;
            case "centimeter", "cm", "3" -> 10000.0;
            default -> Double.NaN;
        };
        return plausible(micronsPerUnit / pixelsPerUnit);
    }

    static Double plausible(double mpp) {
        return Mpp.plausible(mpp) ? mpp : null;
    }

    private static Double plausible(String value) {
        Double number = number(value);
        return number == null ? null : plausible(number.doubleValue());
    }

    static Double positive(String value) {
        Double number = number(value);
        return number != null && number > 0 ? number : null;
    }

    static Double number(String value) {
        if (value == null || value.isBlank()) {
            return null;
        }
        try {
            double d = Double.parseDouble(value.trim());
            return Double.isFinite(d) ? d : null;
        } catch (NumberFormatException e) {
            return null;
        }
    }
}
