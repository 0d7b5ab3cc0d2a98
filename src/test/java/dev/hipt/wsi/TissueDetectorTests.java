package dev.hipt.wsi;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import dev.hipt.wsi.TissueDetector.TissueParams;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;

class TissueDetectorTests {

    // 64000 x 48000 at level 0 with a level at downsample 64: a 1000 x 750 mask, where CLAM's reference patch
    // (512 x 512 level-0 px) is 64 mask px, so a_t = 100 is 6400 mask px and a_h = 16 is 1024 mask px
    private static final long W = 64_000;
    private static final long H = 48_000;
    private static final long MASK_PX = 64;

    private static InMemorySlide pyramid(InMemorySlide.Scene scene) {
        return new InMemorySlide(W, H, 0.5, scene, 4, 16, 64);
    }

    private static TissueMask detect(WholeSlideImage slide) {
        return new TissueDetector().detect(slide);
    }

    @Test
    void defaultsAreClamsCreatePatchesDefaults() {
        TissueParams p = TissueParams.defaults();
        assertThat(p.targetDownsample()).isEqualTo(64);
        assertThat(p.medianKernel()).isEqualTo(7);
        assertThat(p.saturationThreshold()).isEqualTo(8);
        assertThat(p.otsu()).isFalse();
        assertThat(p.closeKernel()).isEqualTo(4);
        assertThat(p.minTissueArea()).isEqualTo(100);
        assertThat(p.minHoleArea()).isEqualTo(16);
        assertThat(p.maxHoles()).isEqualTo(8);
        assertThat(p.referencePatchSize()).isEqualTo(512);
    }

    @Test
    void pinkBlobOnWhiteGivesTissueFractionOfTheBlobArea() {
        double r = 200 * MASK_PX;
        TissueMask mask = detect(pyramid(new InMemorySlide.Scene().disc(32_000, 24_000, r)));

        assertThat(mask.width()).isEqualTo(1000);
        assertThat(mask.height()).isEqualTo(750);
        assertThat(mask.downsample()).isEqualTo(64.0);
        double expected = Math.PI * r * r / (W * H);
        assertThat(mask.tissueFraction()).isCloseTo(expected, within(0.01 * expected));
        assertThat(mask.tissueFraction(30_000, 22_000, 4_000, 4_000)).isEqualTo(1.0);
        assertThat(mask.tissueFraction(0, 0, 4_000, 4_000)).isZero();
        // a square straddling the disc's left edge (x = 19200) is about half tissue
        assertThat(mask.tissueFraction(17_200, 23_000, 4_000, 2_000)).isCloseTo(0.5, within(0.05));
    }

    @Test
    void areaOutsideTheSlideCountsAsNonTissue() {
        TissueMask mask = detect(pyramid(new InMemorySlide.Scene().rect(0, 0, W, H)));

        assertThat(mask.tissueFraction(0, 0, W, H)).isCloseTo(1.0, within(1e-9));
        assertThat(mask.tissueFraction(W - 1_000, H - 1_000, 4_000, 4_000)).isCloseTo(1.0 / 16, within(1e-9));
        assertThat(mask.tissueFraction(-2_000, 0, 4_000, 4_000)).isCloseTo(0.5, within(1e-9));
        assertThat(mask.tissueFraction(W, H, 100, 100)).isZero();
    }

    @Test
    void blankWhiteSlideHasNoTissue() {
        InMemorySlide slide = pyramid(new InMemorySlide.Scene());
        TissueMask mask = detect(slide);

        assertThat(mask.isEmpty()).isTrue();
        assertThat(mask.tissueFraction()).isZero();
        assertThatThrownBy(() -> RegionGrid.plan(slide.metadata(), mask, 4096))
                .isInstanceOfSatisfying(SlideException.class,
                        e -> assertThat(e.code()).isEqualTo(SlideErrorCode.NO_TISSUE));
    }

    @Test
    void specksBelowTheTissueAreaThresholdAreRemoved() {
        InMemorySlide.Scene scene = new InMemorySlide.Scene()
                .disc(32_000, 24_000, 200 * MASK_PX)
                .rect(5 * MASK_PX, 5 * MASK_PX, 40 * MASK_PX, 40 * MASK_PX)       // 1600 px < 6400
                .rect(800 * MASK_PX, 600 * MASK_PX, 100 * MASK_PX, 100 * MASK_PX);            // 10000 px > 6400
        TissueMask mask = detect(pyramid(scene));

        assertThat(mask.tissueFraction(5 * MASK_PX, 5 * MASK_PX, 40 * MASK_PX, 40 * MASK_PX)).isZero();
        assertThat(mask.tissueFraction(810 * MASK_PX, 610 * MASK_PX, 80 * MASK_PX, 80 * MASK_PX)).isEqualTo(1.0);

        TissueMask everything = new TissueDetector(TissueParams.defaults().withAreas(0, 16, 8)).detect(pyramid(scene));
        assertThat(everything.tissueFraction(10 * MASK_PX, 10 * MASK_PX, 30 * MASK_PX, 30 * MASK_PX)).isEqualTo(1.0);
    }

    @Test
    void holesAboveTheHoleAreaThresholdStayOpenAndSmallerOnesAreFilled() {
        InMemorySlide.Scene scene = new InMemorySlide.Scene()
                .rect(100 * MASK_PX, 100 * MASK_PX, 500 * MASK_PX, 400 * MASK_PX)
                .hole(150 * MASK_PX, 150 * MASK_PX, 60 * MASK_PX, 60 * MASK_PX)   // 3600 px > a_h 1024: open
                .hole(300 * MASK_PX, 150 * MASK_PX, 20 * MASK_PX, 20 * MASK_PX);  // 400 px < 1024: filled
        TissueMask mask = detect(pyramid(scene));

        assertThat(mask.tissueFraction(155 * MASK_PX, 155 * MASK_PX, 50 * MASK_PX, 50 * MASK_PX)).isZero();
        assertThat(mask.tissueFraction(300 * MASK_PX, 150 * MASK_PX, 20 * MASK_PX, 20 * MASK_PX)).isEqualTo(1.0);
        double expected = (500.0 * 400 - 60 * 60) * MASK_PX * MASK_PX / (W * H);
        assertThat(mask.tissueFraction()).isCloseTo(expected, within(0.01 * expected));
    }

    @Test
    void onlyTheLargestHolesUpToMaxHolesStayOpen() {
        InMemorySlide.Scene scene = new InMemorySlide.Scene()
                .rect(100 * MASK_PX, 100 * MASK_PX, 500 * MASK_PX, 400 * MASK_PX)
                .hole(150 * MASK_PX, 150 * MASK_PX, 60 * MASK_PX, 60 * MASK_PX)
                .hole(250 * MASK_PX, 150 * MASK_PX, 50 * MASK_PX, 50 * MASK_PX)
                .hole(350 * MASK_PX, 150 * MASK_PX, 40 * MASK_PX, 40 * MASK_PX);
        TissueMask mask = new TissueDetector(TissueParams.defaults().withAreas(100, 16, 2)).detect(pyramid(scene));

        assertThat(mask.tissueFraction(155 * MASK_PX, 155 * MASK_PX, 50 * MASK_PX, 50 * MASK_PX)).isZero();
        assertThat(mask.tissueFraction(255 * MASK_PX, 155 * MASK_PX, 40 * MASK_PX, 40 * MASK_PX)).isZero();
        assertThat(mask.tissueFraction(350 * MASK_PX, 150 * MASK_PX, 40 * MASK_PX, 40 * MASK_PX)).isEqualTo(1.0);
    }

    @Test
    void tissueInsideAnOpenHoleIsJudgedOnItsOwn() {
        InMemorySlide.Scene scene = new InMemorySlide.Scene()
                .disc(300 * MASK_PX, 300 * MASK_PX, 100 * MASK_PX)                     // island, 31000 px: kept
                .rect(100 * MASK_PX, 100 * MASK_PX, 400 * MASK_PX, 400 * MASK_PX)
                .hole(180 * MASK_PX, 180 * MASK_PX, 240 * MASK_PX, 240 * MASK_PX);
        // holes are painted over everything, so paint the island again on top through a second scene
        InMemorySlide.Painter painter = (x, y) -> {
            double dx = x - 300 * MASK_PX;
            double dy = y - 300 * MASK_PX;
            return dx * dx + dy * dy <= Math.pow(100 * MASK_PX, 2) ? InMemorySlide.PINK : scene.rgb(x, y);
        };
        TissueMask mask = detect(new InMemorySlide(W, H, 0.5, painter, 4, 16, 64));

        assertThat(mask.tissueFraction(290 * MASK_PX, 290 * MASK_PX, 20 * MASK_PX, 20 * MASK_PX)).isEqualTo(1.0);
        assertThat(mask.tissueFraction(185 * MASK_PX, 185 * MASK_PX, 20 * MASK_PX, 20 * MASK_PX)).isZero();
        assertThat(mask.tissueFraction(105 * MASK_PX, 105 * MASK_PX, 50 * MASK_PX, 50 * MASK_PX)).isEqualTo(1.0);
    }

    @Test
    void thresholdsAreCappedAtAShareOfSmallSlides() {
        // 4000 x 3000 at level 0: the whole slide is 46 reference patches, below a_t = 100; the disc is about 12
        InMemorySlide slide = new InMemorySlide(4_000, 3_000, 0.5,
                new InMemorySlide.Scene().disc(2_000, 1_500, 1_000), 4, 16);
        TissueMask capped = new TissueDetector().detect(slide);
        TissueMask uncapped = new TissueDetector(TissueParams.defaults().withMaxAreaThresholdShare(1)).detect(slide);

        assertThat(capped.tissueFraction(1_800, 1_300, 400, 400)).isEqualTo(1.0);
        assertThat(uncapped.isEmpty()).isTrue();
    }

    @Test
    void otsuThresholdFindsTheBlobToo() {
        double r = 150 * MASK_PX;
        TissueMask mask = new TissueDetector(TissueParams.defaults().withOtsu(true))
                .detect(pyramid(new InMemorySlide.Scene().disc(20_000, 20_000, r)));

        double expected = Math.PI * r * r / (W * H);
        assertThat(mask.tissueFraction()).isCloseTo(expected, within(0.02 * expected));
    }

    @Test
    void singleLevelSlideIsReadInBoundedChunksAndAveragedDownBy64() {
        double r = 2_000;
        InMemorySlide slide = new InMemorySlide(8_192, 6_000, 0.5,
                new InMemorySlide.Scene().disc(4_000, 3_000, r));
        TissueMask mask = new TissueDetector().detect(slide);

        assertThat(mask.downsample()).isEqualTo(64.0);
        assertThat(mask.width()).isEqualTo(128);
        assertThat(mask.height()).isEqualTo(94);
        assertThat(slide.largestRead()).isLessThanOrEqualTo(2048L * 2048);
        assertThat(slide.pixelsRead()).isEqualTo(8_192L * 6_000);
        double expected = Math.PI * r * r / (8_192.0 * 6_000);
        assertThat(mask.tissueFraction()).isCloseTo(expected, within(0.03 * expected));
    }

    @Test
    void picksTheLevelNearest64AndAveragesTheRest() {
        InMemorySlide.Scene scene = new InMemorySlide.Scene().disc(32_000, 24_000, 10_000);
        assertThat(detect(new InMemorySlide(W, H, 0.5, scene, 4, 16)).downsample()).isEqualTo(64.0);
        assertThat(detect(new InMemorySlide(W, H, 0.5, scene, 2, 4, 8, 16, 32, 64, 128)).downsample())
                .isEqualTo(64.0);
        assertThat(detect(new InMemorySlide(W, H, 0.5, scene, 4, 32)).downsample()).isEqualTo(64.0);
        InMemorySlide coarse = new InMemorySlide(W, H, 0.5, scene, 4, 80);
        assertThat(detect(coarse).downsample()).isEqualTo(80.0);
        assertThat(coarse.pixelsRead()).isEqualTo(800L * 600);
    }

    @Test
    void maskAndOverlayArePngsOfTheMask() throws IOException {
        TissueMask mask = detect(pyramid(new InMemorySlide.Scene().disc(32_000, 24_000, 200 * MASK_PX)));

        BufferedImage maskImage = ImageIO.read(new ByteArrayInputStream(mask.maskPng()));
        assertThat(maskImage.getWidth()).isEqualTo(1000);
        assertThat(maskImage.getHeight()).isEqualTo(750);
        assertThat(maskImage.getRaster().getSample(500, 375, 0)).isEqualTo(255);
        assertThat(maskImage.getRaster().getSample(10, 10, 0)).isZero();

        BufferedImage overlay = ImageIO.read(new ByteArrayInputStream(mask.overlayPng(400)));
        assertThat(overlay.getWidth()).isEqualTo(400);
        assertThat(overlay.getHeight()).isEqualTo(300);
        int centre = overlay.getRGB(200, 150) & 0xffffff;
        int corner = overlay.getRGB(5, 5) & 0xffffff;
        assertThat(corner).isEqualTo(InMemorySlide.WHITE);
        assertThat((centre >> 8) & 0xff).as("tinted green").isGreaterThan(137);
        int y = 0;
        while ((overlay.getRGB(200, y) & 0xffffff) == InMemorySlide.WHITE) {
            y++;
        }
        assertThat(y).isCloseTo(70, within(2));
        assertThat(overlay.getRGB(200, y) & 0xffffff).as("outline").isEqualTo(0x00c853);
    }
}
