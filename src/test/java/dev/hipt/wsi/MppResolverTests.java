package dev.hipt.wsi;

import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class MppResolverTests {

    private static SlideMetadata metadata(Double mppX, Double mppY) {
        return new SlideMetadata("png", "png", 10, 10, List.of(new Level(0, 10, 10, 1)), mppX, mppY, null, Map.of());
    }

    @Test
    void overrideWinsOverTheFile() {
        assertThat(MppResolver.resolve(metadata(0.499, 0.499), 0.25)).isEqualTo(new Mpp(0.25, 0.25, "request"));
    }

    @Test
    void fileValueIsUsedWithoutOverride() {
        assertThat(MppResolver.resolve(metadata(0.499, 0.5), null)).isEqualTo(new Mpp(0.499, 0.5, "file"));
        assertThat(MppResolver.resolve(metadata(0.3, null), null)).isEqualTo(new Mpp(0.3, 0.3, "file"));
    }

    @Test
    void neitherGivesMppUnknownAskingForTheUploadParameter() {
        assertThatThrownBy(() -> MppResolver.resolve(metadata(null, null), null))
                .isInstanceOfSatisfying(SlideException.class,
                        e -> assertThat(e.code()).isEqualTo(SlideErrorCode.MPP_UNKNOWN))
                .hasMessageContaining("pass mpp in the upload");
    }

    @Test
    void rejectsNonPositiveOverride() {
        assertThatThrownBy(() -> MppResolver.resolve(metadata(null, null), 0.0))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> MppResolver.resolve(metadata(null, null), Double.NaN))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void rejectsOverrideOutsideTheMicroscopeRange() {
        assertThatThrownBy(() -> MppResolver.resolve(metadata(0.5, 0.5), 1e-7))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> MppResolver.resolve(metadata(0.5, 0.5), 1e-300))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> MppResolver.resolve(metadata(0.5, 0.5), 50.0))
                .isInstanceOf(IllegalArgumentException.class);
        assertThat(MppResolver.resolve(metadata(null, null), 0.01).x()).isEqualTo(0.01);
        assertThat(MppResolver.resolve(metadata(null, null), 20.0).x()).isEqualTo(20.0);
    }

    @Test
    void fileMppOutsideTheMicroscopeRangeIsUnknown() {
        assertThatThrownBy(() -> MppResolver.resolve(metadata(1e-7, 1e-7), null))
                .isInstanceOfSatisfying(SlideException.class,
                        e -> assertThat(e.code()).isEqualTo(SlideErrorCode.MPP_UNKNOWN));
        assertThat(SlideProperties.mpp(Map.of("openslide.mpp-x", "1e-7", "openslide.mpp-y", "1e-7")))
                .containsExactly(null, null);
        assertThat(SlideProperties.mpp(Map.of("aperio.MPP", "1e-300"))).containsExactly(null, null);
    }

    @Test
    void readsVendorAndResolutionFieldsInOrder() {
        assertThat(SlideProperties.mpp(Map.of("openslide.mpp-x", "0.25", "openslide.mpp-y", "0.26",
                "aperio.MPP", "0.5"))).containsExactly(0.25, 0.26);
        assertThat(SlideProperties.mpp(Map.of("aperio.MPP", "0.4990"))).containsExactly(0.499, 0.499);
        assertThat(SlideProperties.mpp(Map.of("tiff.XResolution", "20000", "tiff.YResolution", "20000",
                "tiff.ResolutionUnit", "centimeter"))).containsExactly(0.5, 0.5);
        assertThat(SlideProperties.mpp(Map.of("tiff.XResolution", "101600", "tiff.ResolutionUnit", "inch")))
                .containsExactly(0.25, 0.25);
        assertThat(SlideProperties.mpp(Map.of("tiff.XResolution", "20000", "tiff.ResolutionUnit", "none")))
                .containsExactly(null, null);
        assertThat(SlideProperties.objectivePower(Map.of("aperio.AppMag", "40"))).isEqualTo(40.0);
    }
}
