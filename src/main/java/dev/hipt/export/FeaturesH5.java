package dev.hipt.export;

import dev.hipt.results.AnalysedSlide;
import dev.hipt.results.AnalysedSlides;
import dev.hipt.results.RegionResult;
import dev.hipt.slide.SlideImages;
import dev.hipt.storage.TemporaryFiles;
import dev.hipt.system.ApiException;
import io.jhdf.HdfFile;
import io.jhdf.WritableHdfFile;
import io.jhdf.api.WritableDataset;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.UUID;
import org.springframework.http.HttpStatus;
import org.springframework.stereotype.Component;

/**
 * Writes a slide's newest analysis as the HDF5 file TRIDENT's {@code save_h5} makes for patch features (and CLAM
 * reads): datasets {@code features} and {@code coords}, the patching attributes on {@code coords}. A "patch" here is
 * a HIPT region: 4096 px at 20x. Written with jHDF (pure Java).
 */
@Component
class FeaturesH5 {

    static final double TARGET_MAGNIFICATION = 20;
    static final double MPP_20X = 0.5;

    private final AnalysedSlides analysed;
    private final SlideImages images;
    private final TemporaryFiles temporaryFiles;

    FeaturesH5(AnalysedSlides analysed, SlideImages images, TemporaryFiles temporaryFiles) {
        this.analysed = analysed;
        this.images = images;
        this.temporaryFiles = temporaryFiles;
    }

    /** The file, a temporary one ({@link TemporaryFiles}) the caller deletes. */
    Path write(UUID slideId) throws IOException {
        AnalysedSlide slide = analysed.newest(slideId, true);
        List<RegionResult> regions = slide.regions();
        int m = regions.size();
        float[][] features = new float[m][];
        float[][][] cls256 = new float[m][][];
        long[][] coords = new long[m][];
        for (int i = 0; i < m; i++) {
            RegionResult r = regions.get(i);
            if (r.cls256() == null) {
                throw new ApiException(HttpStatus.NOT_FOUND, "PATCHES_NOT_AVAILABLE", "Region " + i + " of slide "
                        + slideId + " was stored without its cls256 grid; reanalyse the slide");
            }
            features[i] = r.cls4k();
            int patches = r.cls256().length / 384;
            cls256[i] = new float[patches][384];
            for (int p = 0; p < patches; p++) {
                System.arraycopy(r.cls256(), p * 384, cls256[i][p], 0, 384);
            }
            coords[i] = new long[] {r.x(), r.y()};
        }
        String name;
        long width;
        long height;
        double mpp;
        Double objective;
        try (SlideImages.OpenedSlideImage opened = images.open(slideId)) {
            name = stem(opened.filename());
            width = opened.image().metadata().width();
            height = opened.image().metadata().height();
            mpp = opened.mpp().mean();
            objective = opened.image().metadata().objectivePower();
        }
        long level0Magnification = objective != null && objective > 0 ? Math.round(objective)
                : Math.round(TARGET_MAGNIFICATION * MPP_20X / mpp);
        long patchSizeLevel0 = m > 0 ? regions.get(0).width() : Math.round(4096 * MPP_20X / mpp);
        Path file = temporaryFiles.create("features", ".h5");
        try (WritableHdfFile h5 = HdfFile.write(file)) {
            WritableDataset f = h5.putDataset("features", m > 0 ? features : new float[0][192]);
            f.putAttribute("name", name);
            f.putAttribute("encoder", "hipt_vit4k_xs_dino (model version " + slide.modelVersion() + ")");
            h5.putDataset("cls256", m > 0 ? cls256 : new float[0][256][384]);
            WritableDataset c = h5.putDataset("coords", m > 0 ? coords : new long[0][2]);
            c.putAttribute("patch_size", 4096L);
            c.putAttribute("patch_size_level0", patchSizeLevel0);
            c.putAttribute("level0_magnification", level0Magnification);
            c.putAttribute("target_magnification", (long) TARGET_MAGNIFICATION);
            c.putAttribute("overlap", 0L);
            c.putAttribute("name", name);
            c.putAttribute("level0_width", width);
            c.putAttribute("level0_height", height);
        } catch (RuntimeException | Error e) {
            Files.deleteIfExists(file);
            throw e;
        }
        return file;
    }

    private static String stem(String filename) {
        int dot = filename.lastIndexOf('.');
        return dot > 0 ? filename.substring(0, dot) : filename;
    }
}
