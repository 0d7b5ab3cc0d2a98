package dev.hipt.training.pretraining;

import dev.hipt.wsi.Region;
import dev.hipt.wsi.RgbImage;
import dev.hipt.wsi.SlideErrorCode;
import dev.hipt.wsi.SlideException;
import dev.hipt.wsi.TissueDetector;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.imageio.ImageIO;
import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class SlidePatchesTests {

    @TempDir
    Path dir;

    @Test
    void keepsThe256PixelSquaresAt20xThatHoldTissue() throws IOException {
        // 1024 x 512 at 0.5 um/px: 4 x 2 squares; tissue fills the left half only
        BufferedImage image = new BufferedImage(1024, 512, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = image.createGraphics();
        g.setColor(Color.WHITE);
        g.fillRect(0, 0, 1024, 512);
        g.setColor(new Color(190, 90, 160));
        g.fillRect(0, 0, 512, 512);
        g.dispose();
        Path file = dir.resolve("half.png");
        ImageIO.write(image, "png", file.toFile());

        try (SlidePatches patches = SlidePatches.open(file, 0.5, 256, 0.5, new TissueDetector(), () -> { })) {
            assertThat(patches.squares()).extracting(Region::x).containsExactly(0L, 256L, 0L, 256L);
            assertThat(patches.squares()).extracting(Region::y).containsExactly(0L, 0L, 256L, 256L);
            RgbImage read = patches.read(patches.squares().get(3));
            assertThat(read.width()).isEqualTo(256);
            assertThat(read.height()).isEqualTo(256);
            assertThat(read.rgb()[0] & 0xff).isEqualTo(190);
        }
    }

    @Test
    void aSlideAt40xIsReadHalvedSoASquareCoversTwiceTheLevel0Pixels() throws IOException {
        BufferedImage image = new BufferedImage(1024, 1024, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = image.createGraphics();
        g.setColor(new Color(150, 60, 120));
        g.fillRect(0, 0, 1024, 1024);
        g.dispose();
        Path file = dir.resolve("x40.png");
        ImageIO.write(image, "png", file.toFile());

        try (SlidePatches patches = SlidePatches.open(file, 0.25, 256, 0.5, new TissueDetector(), () -> { })) {
            assertThat(patches.squares()).hasSize(4);
            assertThat(patches.squares().get(1).width()).isEqualTo(512);
        }
    }

    @Test
    void aSlideWithoutTissueIsNoTissue() throws IOException {
        BufferedImage image = new BufferedImage(512, 512, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = image.createGraphics();
        g.setColor(Color.WHITE);
        g.fillRect(0, 0, 512, 512);
        g.dispose();
        Path file = dir.resolve("blank.png");
        ImageIO.write(image, "png", file.toFile());

        assertThatThrownBy(() -> SlidePatches.open(file, 0.5, 256, 0.25, new TissueDetector(), () -> { }))
                .isInstanceOfSatisfying(SlideException.class,
                        e -> assertThat(e.code()).isEqualTo(SlideErrorCode.NO_TISSUE));
    }
}
