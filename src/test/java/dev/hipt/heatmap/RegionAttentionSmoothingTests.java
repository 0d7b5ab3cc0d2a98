package dev.hipt.heatmap;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.hipt.model.CheckpointReader;
import dev.hipt.model.DevicePreference;
import dev.hipt.model.ModelOptions;
import dev.hipt.model.RegionAttention;
import dev.hipt.model.RegionEncoder;
import dev.hipt.wsi.RgbImage;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;

/**
 * HIPT's shifted-window smoothing ({@code hipt.heatmap.offsets}) on a 512 x 512 crop of the reference region with
 * the fixture checkpoints: a cell that only the unshifted pass covers keeps that pass's percentile, a cell all four
 * passes cover is their mean, and the passes are pasted back at their offset.
 */
class RegionAttentionSmoothingTests {

    private static final Path REFERENCE = Path.of(System.getProperty("hipt.reference.dir",
            "../shared/fixtures/hipt-reference"));

    @Test
    void averagesTheShiftedPassesOverTheCellsEachCovers() throws IOException {
        assumeTrue(Files.isRegularFile(REFERENCE.resolve("vit256.pth")), "HIPT reference fixtures absent: skipping");
        BufferedImage png = ImageIO.read(REFERENCE.resolve("region4096_x0_y0.png").toFile());
        int side = 512;
        byte[] rgb = new byte[side * side * 3];
        for (int y = 0; y < side; y++) {
            for (int x = 0; x < side; x++) {
                int p = png.getRGB(x + 512, y + 512);
                int o = (y * side + x) * 3;
                rgb[o] = (byte) (p >> 16);
                rgb[o + 1] = (byte) (p >> 8);
                rgb[o + 2] = (byte) p;
            }
        }
        RgbImage region = new RgbImage(side, side, rgb);
        try (RegionEncoder encoder = RegionEncoder.load(CheckpointReader.read(REFERENCE.resolve("vit256.pth")),
                CheckpointReader.read(REFERENCE.resolve("vit4k.pth")), new ModelOptions(DevicePreference.CPU, 16))) {
            long t0 = System.nanoTime();
            RegionMaps plain = RegionAttentionService.fromPixels(encoder, region, false);
            long t1 = System.nanoTime();
            RegionMaps smooth = RegionAttentionService.fromPixels(encoder, region, true);
            long t2 = System.nanoTime();
            System.out.printf("attention maps of a %d px region: %.0f ms plain, %.0f ms with offsets (x%.1f)%n",
                    side, (t1 - t0) / 1e6, (t2 - t1) / 1e6, (double) (t2 - t1) / (t1 - t0));

            assertThat(plain.grid4k()).isEqualTo(2);
            assertThat(smooth.grid4k()).as("128 px cells").isEqualTo(4);
            assertThat(smooth.grid256()).isEqualTo(32);
            int head = 1;
            // cell (0, 0) of 128 px: only the unshifted pass covers it
            assertThat(smooth.at4k(head, 0.1, 0.1)).isEqualTo(plain.at4k(head, 0.1, 0.1));
            assertThat(smooth.at256(head, 0.01, 0.01)).isEqualTo(plain.at256(head, 0.01, 0.01));

            // cell (3, 3), region pixels [384, 512)^2: every pass covers it, each from the patch it moved into
            double sum = 0;
            for (int o : RegionAttentionService.OFFSETS) {
                RegionAttention a = encoder.attention(RegionEncoder.preprocess(
                        RegionAttentionService.shifted(region, side, o).rgb(), side, side), side);
                float[] p = Percentiles.rankEach(a.attention4k(), a.patches(), 256.0 * 256);
                int patchRow = (384 - o) / 256;
                int patchCol = (384 - o) / 256;
                sum += p[head * a.patches() + patchRow * 2 + patchCol];
            }
            assertThat(smooth.at4k(head, 0.9, 0.9)).isCloseTo((float) (sum / 4),
                    within((float) Percentiles.PER_CODE / 2 + 1e-3f));
        }
    }
}
