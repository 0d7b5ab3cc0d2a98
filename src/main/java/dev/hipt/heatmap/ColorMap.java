package dev.hipt.heatmap;

import java.util.Locale;

/**
 * The colour maps of HIPT's heatmap figures as 256-entry tables, looked up as matplotlib does ({@code cmap(x)} picks
 * entry {@code floor(x * 256)}, clipped) and turned to bytes as HIPT does ({@code (cmap(x) * 255).astype(uint8)}).
 */
enum ColorMap {

    /**
     * Matplotlib's {@code coolwarm}, HIPT's default: Moreland's diverging map from blue (59, 76, 192) through a
     * neutral grey to red (180, 4, 38), computed from its definition by interpolation in Msh space.
     */
    COOLWARM,
    /** Matplotlib's {@code jet} brightened as HIPT's notebook does ({@code cmap_map(lambda x: x / 2 + 0.5, jet)}). */
    JET;

    private final int[] table = new int[256];

    ColorMap() {
        for (int i = 0; i < 256; i++) {
            double[] rgb = ordinal() == 0 ? coolwarm(i / 255.0) : brightJet(i / 255.0);
            table[i] = (bytes(rgb[0]) << 16) | (bytes(rgb[1]) << 8) | bytes(rgb[2]);
        }
    }

    /** The colour of {@code x} in [0, 1] as {@code 0xRRGGBB}. */
    int rgb(double x) {
        int i = (int) Math.floor(x * 256);
        return table[Math.max(0, Math.min(255, i))];
    }

    static ColorMap parse(String name) {
        return valueOf(name.trim().toUpperCase(Locale.ROOT));
    }

    String id() {
        return name().toLowerCase(Locale.ROOT);
    }

    private static int bytes(double channel) {
        return (int) (Math.max(0, Math.min(1, channel)) * 255);
    }

    private static double[] brightJet(double x) {
        double r = piecewise(x, new double[] {0, 0.35, 0.66, 0.89, 1}, new double[] {0, 0, 1, 1, 0.5});
        double g = piecewise(x, new double[] {0, 0.125, 0.375, 0.64, 0.91, 1}, new double[] {0, 0, 1, 1, 0, 0});
        double b = piecewise(x, new double[] {0, 0.11, 0.34, 0.65, 1}, new double[] {0.5, 1, 1, 0, 0});
        return new double[] {r / 2 + 0.5, g / 2 + 0.5, b / 2 + 0.5};
    }

    private static double piecewise(double x, double[] xs, double[] ys) {
        for (int i = 1; i < xs.length; i++) {
            if (x <= xs[i]) {
                return ys[i - 1] + (ys[i] - ys[i - 1]) * (x - xs[i - 1]) / (xs[i] - xs[i - 1]);
            }
        }
        return ys[ys.length - 1];
    }

    // Moreland, "Diverging Color Maps for Scientific Visualization" (2009): interpolate in Msh (polar Lab),
    // through an unsaturated white-ish midpoint when the ends are saturated and far apart in hue.
    private static double[] coolwarm(double t) {
        double[] a = msh(lab(new double[] {59 / 255.0, 76 / 255.0, 192 / 255.0}));
        double[] b = msh(lab(new double[] {180 / 255.0, 4 / 255.0, 38 / 255.0}));
        double mid = Math.max(Math.max(a[0], b[0]), 88);
        if (t < 0.5) {
            b = new double[] {mid, 0, 0};
            t = 2 * t;
        } else {
            a = new double[] {mid, 0, 0};
            t = 2 * t - 1;
        }
        if (a[1] < 0.05 && b[1] > 0.05) {
            a[2] = adjustHue(b, a[0]);
        } else if (b[1] < 0.05 && a[1] > 0.05) {
            b[2] = adjustHue(a, b[0]);
        }
        double[] m = new double[3];
        for (int i = 0; i < 3; i++) {
            m[i] = (1 - t) * a[i] + t * b[i];
        }
        return rgb(labFromMsh(m));
    }

    private static double adjustHue(double[] saturated, double unsaturatedM) {
        if (saturated[0] >= unsaturatedM - 0.1) {
            return saturated[2];
        }
        double spin = saturated[1] * Math.sqrt(unsaturatedM * unsaturatedM - saturated[0] * saturated[0])
                / (saturated[0] * Math.sin(saturated[1]));
        return saturated[2] > -Math.PI / 3 ? saturated[2] + spin : saturated[2] - spin;
    }

    private static final double XN = 0.95047;
    private static final double YN = 1.0;
    private static final double ZN = 1.08883;

    private static double[] lab(double[] srgb) {
        double r = linear(srgb[0]);
        double g = linear(srgb[1]);
        double b = linear(srgb[2]);
        double x = 0.4124564 * r + 0.3575761 * g + 0.1804375 * b;
        double y = 0.2126729 * r + 0.7151522 * g + 0.0721750 * b;
        double z = 0.0193339 * r + 0.1191920 * g + 0.9503041 * b;
        double fx = f(x / XN);
        double fy = f(y / YN);
        double fz = f(z / ZN);
        return new double[] {116 * fy - 16, 500 * (fx - fy), 200 * (fy - fz)};
    }

    private static double[] rgb(double[] lab) {
        double fy = (lab[0] + 16) / 116;
        double fx = fy + lab[1] / 500;
        double fz = fy - lab[2] / 200;
        double x = XN * fInverse(fx);
        double y = YN * fInverse(fy);
        double z = ZN * fInverse(fz);
        double r = 3.2404542 * x - 1.5371385 * y - 0.4985314 * z;
        double g = -0.9692660 * x + 1.8760108 * y + 0.0415560 * z;
        double b = 0.0556434 * x - 0.2040259 * y + 1.0572252 * z;
        return new double[] {gamma(r), gamma(g), gamma(b)};
    }

    private static double[] msh(double[] lab) {
        double m = Math.sqrt(lab[0] * lab[0] + lab[1] * lab[1] + lab[2] * lab[2]);
        return new double[] {m, Math.acos(lab[0] / m), Math.atan2(lab[2], lab[1])};
    }

    private static double[] labFromMsh(double[] msh) {
        return new double[] {msh[0] * Math.cos(msh[1]), msh[0] * Math.sin(msh[1]) * Math.cos(msh[2]),
                msh[0] * Math.sin(msh[1]) * Math.sin(msh[2])};
    }

    private static double f(double t) {
        return t > 216.0 / 24389 ? Math.cbrt(t) : (24389.0 / 27 * t + 16) / 116;
    }

    private static double fInverse(double t) {
        return t * t * t > 216.0 / 24389 ? t * t * t : (116 * t - 16) * 27 / 24389;
    }

    private static double linear(double c) {
        return c <= 0.04045 ? c / 12.92 : Math.pow((c + 0.055) / 1.055, 2.4);
    }

    private static double gamma(double c) {
        c = Math.max(0, Math.min(1, c));
        return c <= 0.0031308 ? 12.92 * c : 1.055 * Math.pow(c, 1 / 2.4) - 0.055;
    }
}
