package dev.hipt.results;

import dev.hipt.results.JdbcRegionResults.RegionBlob;
import dev.hipt.results.JdbcRegionResults.StoredSlideResult;
import dev.hipt.system.ApiException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.Arrays;
import java.util.List;
import java.util.UUID;
import java.util.Optional;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.http.HttpStatus;
import org.springframework.stereotype.Service;

/** The read side of the results API; always serves a slide's newest analysis (its newest slide result). */
@Service
class ResultsService {

    static final int MAX_SIMILAR = 100;
    /** 404: the slide has no analysis results (not analysed yet, not finished, or no such slide). */
    static final String RESULTS_NOT_FOUND = "RESULTS_NOT_FOUND";
    /** 404: a region of the slide was stored without its cls256 grid. */
    static final String PATCHES_NOT_AVAILABLE = "PATCHES_NOT_AVAILABLE";

    private final JdbcRegionResults results;

    private final ObjectProvider<KnnSubtyping> knn;
    private final ObjectProvider<ActiveBackbone> activeBackbone;

    ResultsService(JdbcRegionResults results, ObjectProvider<KnnSubtyping> knn,
                   ObjectProvider<ActiveBackbone> activeBackbone) {
        this.knn = knn;
        this.results = results;
        this.activeBackbone = activeBackbone;
    }

    SlideEmbeddings embeddings(UUID slideId) {
        StoredSlideResult stored = latest(slideId);
        String version = stored.provenance().modelVersion();
        List<RegionEmbeddingView> regions = results.load(slideId, version, false).stream()
                .map(r -> new RegionEmbeddingView(r.index(), r.x(), r.y(), r.width(), r.height(), r.tissueFraction(),
                        r.cls4k(), r.mean256()))
                .toList();
        return new SlideEmbeddings(slideId, provenance(stored), regions,
                new SlideEmbeddingView(stored.result().regions(), stored.result().meanCls4k()));
    }

    SlidePredictions predictions(UUID slideId) {
        StoredSlideResult stored = latest(slideId);
        SlideResult r = stored.result();
        ModelProvenance provenance = provenance(stored);
        return new SlidePredictions(slideId, SubtypePredictionView.of(r.subtype()),
                SurvivalPredictionView.of(r.survival()), note(provenance, stored.provenance(), r), provenance,
                knn(slideId, stored));
    }

    private ModelProvenance provenance(StoredSlideResult stored) {
        ActiveBackbone active = activeBackbone.getIfAvailable();
        return ModelProvenance.of(stored.provenance(), active == null ? Optional.empty() : active.modelVersion());
    }

    private KnnSubtyping.Prediction knn(UUID slideId, StoredSlideResult stored) {
        KnnSubtyping subtyping = knn.getIfAvailable();
        return subtyping == null ? null : subtyping.predict(slideId, stored.provenance().modelVersion(),
                stored.result().meanCls4k()).orElse(null);
    }

    SimilarSlides similar(UUID slideId, int k) {
        if (k < 1 || k > MAX_SIMILAR) {
            throw ApiException.validationFailed("k must be between 1 and " + MAX_SIMILAR + ", was " + k);
        }
        StoredSlideResult stored = latest(slideId);
        String version = stored.provenance().modelVersion();
        return new SimilarSlides(slideId, version,
                results.embeddings().nearest(version, stored.result().meanCls4k(), k, slideId));
    }

    /**
     * Prepares the {@code [M x patches x 384]} cls256 download of a slide's newest analysis. Fails before anything
     * is written when the slide has no results or a region has no stored grid.
     */
    PatchesDownload patches(UUID slideId) {
        StoredSlideResult stored = latest(slideId);
        List<RegionBlob> regions = results.regionBlobs(slideId, stored.provenance().modelVersion());
        for (RegionBlob region : regions) {
            if (region.cls256Key() == null) {
                throw new ApiException(HttpStatus.NOT_FOUND, PATCHES_NOT_AVAILABLE,
                        "Region " + region.index() + " of slide " + slideId + " was stored without its cls256 grid.");
            }
        }
        long[] regionShape = regions.isEmpty() ? new long[] {256, 384} : firstShape(regions.get(0));
        if (regionShape.length != 2) {
            throw new IllegalStateException("stored cls256 grid has shape " + Arrays.toString(regionShape));
        }
        return new PatchesDownload(regions, regionShape[0], regionShape[1]);
    }

    /** A streamed {@code .npy} of every region's cls256 grid; holds one region's bytes in flight at a time. */
    final class PatchesDownload {

        private final List<RegionBlob> regions;
        private final long patches;
        private final long dim;
        private final byte[] header;

        private PatchesDownload(List<RegionBlob> regions, long patches, long dim) {
            this.regions = regions;
            this.patches = patches;
            this.dim = dim;
            this.header = Npy.header(regions.size(), patches, dim);
        }

        long contentLength() {
            return header.length + (long) regions.size() * patches * dim * Float.BYTES;
        }

        void writeTo(OutputStream out) throws IOException {
            out.write(header);
            long bytes = patches * dim * Float.BYTES;
            for (RegionBlob region : regions) {
                try (InputStream in = results.openBlob(region.cls256Key())) {
                    long[] shape = Npy.readHeader(in);
                    if (!Arrays.equals(shape, new long[] {patches, dim})) {
                        throw new IOException("cls256 blob " + region.cls256Key() + " has shape "
                                + Arrays.toString(shape) + ", expected [" + patches + ", " + dim + "]");
                    }
                    copyExactly(in, out, bytes, region.cls256Key());
                }
            }
            out.flush();
        }
    }

    private long[] firstShape(RegionBlob region) {
        try (InputStream in = results.openBlob(region.cls256Key())) {
            return Npy.readHeader(in);
        } catch (IOException e) {
            throw new ApiException(HttpStatus.NOT_FOUND, PATCHES_NOT_AVAILABLE,
                    "The cls256 grid of region " + region.index() + " cannot be read.");
        }
    }

    private static void copyExactly(InputStream in, OutputStream out, long count, String key) throws IOException {
        byte[] buf = new byte[64 * 1024];
        long left = count;
        while (left > 0) {
            int n = in.read(buf, 0, (int) Math.min(buf.length, left));
            if (n < 0) {
                throw new IOException("cls256 blob " + key + " ends " + left + " bytes early");
            }
            out.write(buf, 0, n);
            left -= n;
        }
    }

    private StoredSlideResult latest(UUID slideId) {
        return results.latestSlideResult(slideId).orElseThrow(() -> new ApiException(HttpStatus.NOT_FOUND,
                RESULTS_NOT_FOUND, "Slide " + slideId + " has no analysis results (not analysed yet, analysis not "
                + "finished, or no such slide)."));
    }

    /** Why a prediction is missing, after a warning when the results come from a backbone no longer active. */
    private static String note(ModelProvenance shown, Provenance provenance, SlideResult r) {
        String missing = missing(provenance, r);
        if (!shown.staleBackbone()) {
            return missing;
        }
        String stale = "These results come from backbone " + shown.modelVersion() + ", which is no longer active "
                + "(the active backbone is " + shown.activeModelVersion() + "): reanalyse the slide (POST "
                + "/api/v1/slides with reanalyse=true) for embeddings and predictions of the active backbone.";
        return missing == null ? stale : stale + " " + missing;
    }

    private static String missing(Provenance provenance, SlideResult r) {
        if (provenance.untrained()) {
            return "These results come from seeded random demo weights (hipt.model.demo-random-weights), "
                    + "which never give predictions.";
        }
        if (r.subtype() == null && r.survival() == null) {
            return "No slide head was configured when this slide was analysed: set hipt.model.subtype-checkpoint "
                    + "(with hipt.model.subtype-classes) and/or hipt.model.survival-checkpoint, then reanalyse.";
        }
        if (r.subtype() == null) {
            return "No subtype head was configured (hipt.model.subtype-checkpoint).";
        }
        if (r.survival() == null) {
            return "No survival head was configured (hipt.model.survival-checkpoint).";
        }
        return null;
    }
}
