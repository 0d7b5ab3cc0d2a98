package dev.hipt.training.pretraining;

import dev.hipt.wsi.RgbImage;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.SplittableRandom;

/**
 * Stage-1 multi-crop of one 256 x 256 patch, as DINO's {@code DataAugmentationDINO} makes it:
 * <ol>
 *   <li>a random resized crop (torchvision's {@code RandomResizedCrop}: area share from the settings' scale, aspect
 *       ratio log-uniform in [3/4, 4/3], ten tries, then a centre crop) resized with PIL's bicubic filter
 *       ({@code a = -0.5}, support widened by the shrink factor, i.e. antialiased);</li>
 *   <li>horizontal flip with p 0.5;</li>
 *   <li>with p 0.8, colour jitter (brightness 0.4, contrast 0.4, saturation 0.2, hue 0.1) in a random order of the
 *       four, each factor drawn first, as torchvision's {@code ColorJitter} on tensors;</li>
 *   <li>grayscale with p 0.2 (ITU-R 601 luma into all three channels);</li>
 *   <li>Gaussian blur of a radius uniform in [0.1, 2] with p 1.0 (first global view), 0.1 (second global view),
 *       0.5 (local views);</li>
 *   <li>solarisation (values at or above 128/255 inverted) with p 0.2, on the second global view only;</li>
 *   <li>normalisation {@code (x - mean) / std} per channel.</li>
 * </ol>
 * Pixel values are kept as floats in [0, 1] between steps (no rounding to 8 bits as PIL would), and the blur is an
 * exact Gaussian of sigma = radius (PIL approximates it with three box blurs). Deterministic for a given
 * {@link SplittableRandom} state; immutable and thread-safe.
 */
final class ImageAugmentation {

    /** HIPT's inference normalisation (mean 0.5, std 0.5): what the service's encoder is fed. */
    static final float[] HIPT_MEAN = {0.5f, 0.5f, 0.5f};
    static final float[] HIPT_STD = {0.5f, 0.5f, 0.5f};
    /** DINO's ImageNet normalisation, for checkpoints meant for ImageNet-normalised inference. */
    static final float[] IMAGENET_MEAN = {0.485f, 0.456f, 0.406f};
    static final float[] IMAGENET_STD = {0.229f, 0.224f, 0.225f};

    static final double FLIP_P = 0.5;
    static final double JITTER_P = 0.8;
    static final double GRAYSCALE_P = 0.2;
    static final double SOLARIZE_P = 0.2;
    static final double BLUR_P_GLOBAL1 = 1.0;
    static final double BLUR_P_GLOBAL2 = 0.1;
    static final double BLUR_P_LOCAL = 0.5;
    static final double BLUR_RADIUS_MIN = 0.1;
    static final double BLUR_RADIUS_MAX = 2.0;
    static final double BRIGHTNESS = 0.4;
    static final double CONTRAST = 0.4;
    static final double SATURATION = 0.2;
    static final double HUE = 0.1;

    private static final int CHANNELS = 3;

    private final MultiCropSettings settings;
    private final float[] mean;
    private final float[] std;

    ImageAugmentation(MultiCropSettings settings, float[] mean, float[] std) {
        this.settings = Objects.requireNonNull(settings, "settings");
        if (mean.length != CHANNELS || std.length != CHANNELS) {
            throw new IllegalArgumentException("mean and std need 3 values each");
        }
        this.mean = mean.clone();
        this.std = std.clone();
    }

    /** Two global and {@code localCrops} local views of {@code patch}. */
    CropViews views(RgbImage patch, SplittableRandom random) {
        float[][] planes = planes(patch);
        int w = patch.width();
        int h = patch.height();
        List<float[]> globals = List.of(
                view(planes, w, h, settings.globalSide(), settings.globalScaleMin(), settings.globalScaleMax(),
                        BLUR_P_GLOBAL1, 0, random),
                view(planes, w, h, settings.globalSide(), settings.globalScaleMin(), settings.globalScaleMax(),
                        BLUR_P_GLOBAL2, SOLARIZE_P, random));
        List<float[]> locals = new ArrayList<>(settings.localCrops());
        for (int i = 0; i < settings.localCrops(); i++) {
            locals.add(view(planes, w, h, settings.localSide(), settings.localScaleMin(), settings.localScaleMax(),
                    BLUR_P_LOCAL, 0, random));
        }
        return new CropViews(globals, settings.globalSide(), locals, settings.localSide(), CHANNELS);
    }

    private float[] view(float[][] src, int w, int h, int side, double scaleMin, double scaleMax, double blurP,
                         double solarizeP, SplittableRandom random) {
        int[] crop = cropBox(w, h, scaleMin, scaleMax, random);
        float[][] img = resizedCrop(src, w, crop[1], crop[0], crop[3], crop[2], side);
        if (random.nextDouble() < FLIP_P) {
            flip(img, side);
        }
        if (random.nextDouble() < JITTER_P) {
            jitter(img, random);
        }
        if (random.nextDouble() < GRAYSCALE_P) {
            grayscale(img);
        }
        if (random.nextDouble() < blurP) {
            double radius = BLUR_RADIUS_MIN + (BLUR_RADIUS_MAX - BLUR_RADIUS_MIN) * random.nextDouble();
            for (int c = 0; c < CHANNELS; c++) {
                img[c] = gaussianBlur(img[c], side, side, radius);
            }
        }
        if (solarizeP > 0 && random.nextDouble() < solarizeP) {
            solarize(img);
        }
        return normalised(img, side);
    }

    /** The RGB bytes as three planes of floats in [0, 1]. */
    static float[][] planes(RgbImage image) {
        int n = image.width() * image.height();
        float[][] planes = new float[CHANNELS][n];
        byte[] rgb = image.rgb();
        for (int i = 0; i < n; i++) {
            for (int c = 0; c < CHANNELS; c++) {
                planes[c][i] = (rgb[i * CHANNELS + c] & 0xff) / 255f;
            }
        }
        return planes;
    }

    /**
     * torchvision's {@code RandomResizedCrop.get_params}: {@code {top, left, height, width}} of a crop of a
     * {@code width x height} image.
     */
    static int[] cropBox(int width, int height, double scaleMin, double scaleMax, SplittableRandom random) {
        double area = (double) width * height;
        double logMin = Math.log(3.0 / 4.0);
        double logMax = Math.log(4.0 / 3.0);
        for (int attempt = 0; attempt < 10; attempt++) {
            double target = area * (scaleMin + (scaleMax - scaleMin) * random.nextDouble());
            double aspect = Math.exp(logMin + (logMax - logMin) * random.nextDouble());
            int w = (int) Math.round(Math.sqrt(target * aspect));
            int h = (int) Math.round(Math.sqrt(target / aspect));
            if (w > 0 && w <= width && h > 0 && h <= height) {
                int top = random.nextInt(height - h + 1);
                int left = random.nextInt(width - w + 1);
                return new int[] {top, left, h, w};
            }
        }
        double ratio = (double) width / height;
        int w = width;
        int h = height;
        if (ratio < 3.0 / 4.0) {
            h = (int) Math.round(w / (3.0 / 4.0));
        } else if (ratio > 4.0 / 3.0) {
            w = (int) Math.round(h * (4.0 / 3.0));
        }
        return new int[] {(height - h) / 2, (width - w) / 2, h, w};
    }

    /** The {@code cropW x cropH} box at {@code (left, top)} of each plane, resized to {@code side x side}. */
    static float[][] resizedCrop(float[][] src, int srcWidth, int left, int top, int cropW, int cropH, int side) {
        Taps xs = Taps.bicubic(cropW, side);
        Taps ys = Taps.bicubic(cropH, side);
        float[][] out = new float[src.length][];
        for (int c = 0; c < src.length; c++) {
            // horizontal pass over the crop's rows, then vertical
            float[] rows = new float[cropH * side];
            for (int y = 0; y < cropH; y++) {
                int rowStart = (top + y) * srcWidth + left;
                for (int x = 0; x < side; x++) {
                    double v = 0;
                    int first = xs.first[x];
                    double[] wts = xs.weights[x];
                    for (int k = 0; k < wts.length; k++) {
                        v += wts[k] * src[c][rowStart + first + k];
                    }
                    rows[y * side + x] = (float) v;
                }
            }
            float[] plane = new float[side * side];
            for (int y = 0; y < side; y++) {
                int first = ys.first[y];
                double[] wts = ys.weights[y];
                for (int x = 0; x < side; x++) {
                    double v = 0;
                    for (int k = 0; k < wts.length; k++) {
                        v += wts[k] * rows[(first + k) * side + x];
                    }
                    plane[y * side + x] = (float) Math.min(1.0, Math.max(0.0, v));
                }
            }
            out[c] = plane;
        }
        return out;
    }

    /** PIL's resampling taps of one axis: for each output pixel the first source index and the weights. */
    record Taps(int[] first, double[][] weights) {

        static final double A = -0.5;

        static Taps bicubic(int in, int out) {
            double scale = (double) in / out;
            double filterScale = Math.max(1.0, scale);
            double support = 2.0 * filterScale;
            int[] first = new int[out];
            double[][] weights = new double[out][];
            for (int i = 0; i < out; i++) {
                double center = (i + 0.5) * scale;
                int min = Math.max(0, (int) (center - support + 0.5));
                int max = Math.min(in, (int) (center + support + 0.5));
                double[] w = new double[max - min];
                double sum = 0;
                for (int k = 0; k < w.length; k++) {
                    w[k] = cubic((k + min - center + 0.5) / filterScale);
                    sum += w[k];
                }
                for (int k = 0; k < w.length; k++) {
                    w[k] = sum == 0 ? 0 : w[k] / sum;
                }
                first[i] = min;
                weights[i] = w;
            }
            return new Taps(first, weights);
        }

        static double cubic(double x) {
            x = Math.abs(x);
            if (x < 1) {
                return ((A + 2) * x - (A + 3)) * x * x + 1;
            }
            if (x < 2) {
                return (((x - 5) * x + 8) * x - 4) * A;
            }
            return 0;
        }
    }

    static void flip(float[][] img, int side) {
        for (float[] plane : img) {
            for (int y = 0; y < side; y++) {
                int row = y * side;
                for (int x = 0; x < side / 2; x++) {
                    float t = plane[row + x];
                    plane[row + x] = plane[row + side - 1 - x];
                    plane[row + side - 1 - x] = t;
                }
            }
        }
    }

    /** torchvision's {@code ColorJitter(0.4, 0.4, 0.2, 0.1)}: a random order, factors drawn before any is applied. */
    static void jitter(float[][] img, SplittableRandom random) {
        int[] order = {0, 1, 2, 3};
        for (int i = order.length - 1; i > 0; i--) {
            int j = random.nextInt(i + 1);
            int t = order[i];
            order[i] = order[j];
            order[j] = t;
        }
        double brightness = uniform(random, 1 - BRIGHTNESS, 1 + BRIGHTNESS);
        double contrast = uniform(random, 1 - CONTRAST, 1 + CONTRAST);
        double saturation = uniform(random, 1 - SATURATION, 1 + SATURATION);
        double hue = uniform(random, -HUE, HUE);
        for (int step : order) {
            switch (step) {
                case 0 -> brightness(img, brightness);
                case 1 -> contrast(img, contrast);
                case 2 -> saturation(img, saturation);
                default -> hue(img, hue);
            }
        }
    }

    private static double uniform(SplittableRandom random, double min, double max) {
        return min + (max - min) * random.nextDouble();
    }

    static void brightness(float[][] img, double factor) {
        for (float[] plane : img) {
            for (int i = 0; i < plane.length; i++) {
                plane[i] = clamp(factor * plane[i]);
            }
        }
    }

    static void contrast(float[][] img, double factor) {
        double mean = 0;
        int n = img[0].length;
        for (int i = 0; i < n; i++) {
            mean += luma(img, i);
        }
        mean /= n;
        for (float[] plane : img) {
            for (int i = 0; i < n; i++) {
                plane[i] = clamp(factor * plane[i] + (1 - factor) * mean);
            }
        }
    }

    static void saturation(float[][] img, double factor) {
        int n = img[0].length;
        for (int i = 0; i < n; i++) {
            double gray = luma(img, i);
            for (float[] plane : img) {
                plane[i] = clamp(factor * plane[i] + (1 - factor) * gray);
            }
        }
    }

    /** torchvision's {@code adjust_hue} on tensors: RGB to HSV, {@code h = (h + factor) mod 1}, back. */
    static void hue(float[][] img, double factor) {
        int n = img[0].length;
        for (int i = 0; i < n; i++) {
            double r = img[0][i];
            double g = img[1][i];
            double b = img[2][i];
            double max = Math.max(r, Math.max(g, b));
            double min = Math.min(r, Math.min(g, b));
            double range = max - min;
            boolean flat = max == min;
            double s = range / (flat ? 1 : max);
            double divisor = flat ? 1 : range;
            double rc = (max - r) / divisor;
            double gc = (max - g) / divisor;
            double bc = (max - b) / divisor;
            double h;
            if (max == r) {
                h = bc - gc;
            } else if (max == g) {
                h = 2.0 + rc - bc;
            } else {
                h = 4.0 + gc - rc;
            }
            h = mod1(mod1(h / 6.0 + 1.0) + factor);
            double v = max;
            double h6 = h * 6.0;
            int sector = (int) Math.floor(h6);
            double f = h6 - sector;
            sector = Math.floorMod(sector, 6);
            double p = clamp(v * (1 - s));
            double q = clamp(v * (1 - s * f));
            double t = clamp(v * (1 - s * (1 - f)));
            double[] rgb = switch (sector) {
                case 0 -> new double[] {v, t, p};
                case 1 -> new double[] {q, v, p};
                case 2 -> new double[] {p, v, t};
                case 3 -> new double[] {p, q, v};
                case 4 -> new double[] {t, p, v};
                default -> new double[] {v, p, q};
            };
            img[0][i] = (float) rgb[0];
            img[1][i] = (float) rgb[1];
            img[2][i] = (float) rgb[2];
        }
    }

    private static double mod1(double x) {
        double m = x % 1.0;
        return m < 0 ? m + 1.0 : m;
    }

    static void grayscale(float[][] img) {
        int n = img[0].length;
        for (int i = 0; i < n; i++) {
            float gray = (float) luma(img, i);
            img[0][i] = gray;
            img[1][i] = gray;
            img[2][i] = gray;
        }
    }

    private static double luma(float[][] img, int i) {
        return 0.2989 * img[0][i] + 0.587 * img[1][i] + 0.114 * img[2][i];
    }

    /** A separable Gaussian of sigma {@code radius}, three sigmas wide on each side, edges repeated. */
    static float[] gaussianBlur(float[] plane, int width, int height, double radius) {
        int half = Math.max(1, (int) Math.ceil(3 * radius));
        double[] kernel = new double[2 * half + 1];
        double sum = 0;
        for (int k = -half; k <= half; k++) {
            kernel[k + half] = Math.exp(-(k * k) / (2 * radius * radius));
            sum += kernel[k + half];
        }
        for (int k = 0; k < kernel.length; k++) {
            kernel[k] /= sum;
        }
        float[] tmp = new float[plane.length];
        for (int y = 0; y < height; y++) {
            for (int x = 0; x < width; x++) {
                double v = 0;
                for (int k = -half; k <= half; k++) {
                    int xx = Math.min(width - 1, Math.max(0, x + k));
                    v += kernel[k + half] * plane[y * width + xx];
                }
                tmp[y * width + x] = (float) v;
            }
        }
        float[] out = new float[plane.length];
        for (int y = 0; y < height; y++) {
            for (int x = 0; x < width; x++) {
                double v = 0;
                for (int k = -half; k <= half; k++) {
                    int yy = Math.min(height - 1, Math.max(0, y + k));
                    v += kernel[k + half] * tmp[yy * width + x];
                }
                out[y * width + x] = (float) v;
            }
        }
        return out;
    }

    /** PIL's {@code ImageOps.solarize} at its default threshold 128: values of 128/255 and above are inverted. */
    static void solarize(float[][] img) {
        float threshold = 128f / 255f;
        for (float[] plane : img) {
            for (int i = 0; i < plane.length; i++) {
                if (plane[i] >= threshold) {
                    plane[i] = 1f - plane[i];
                }
            }
        }
    }

    private float[] normalised(float[][] img, int side) {
        int n = side * side;
        float[] out = new float[CHANNELS * n];
        for (int c = 0; c < CHANNELS; c++) {
            for (int i = 0; i < n; i++) {
                out[c * n + i] = (img[c][i] - mean[c]) / std[c];
            }
        }
        return out;
    }

    private static float clamp(double v) {
        return (float) Math.min(1.0, Math.max(0.0, v));
    }
}
