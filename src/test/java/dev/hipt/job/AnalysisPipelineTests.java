package dev.hipt.job;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.hipt.model.RegionEmbedding;
import dev.hipt.results.Provenance;
import dev.hipt.results.RegionResult;
import dev.hipt.wsi.Region;
import dev.hipt.wsi.RgbImage;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import dev.hipt.model.CheckpointReader;
import dev.hipt.model.ModelOptions;
import dev.hipt.model.SlideHead;
import dev.hipt.model.SubtypePrediction;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntConsumer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

class AnalysisPipelineTests {

    private static final int REGIONS = 12;
    private static final UUID JOB = UUID.randomUUID();

    private final ExecutorService readers = Executors.newFixedThreadPool(3);
    private final AtomicInteger read = new AtomicInteger();
    private final AtomicInteger stored = new AtomicInteger();
    private final AtomicInteger inMemory = new AtomicInteger();
    private final AtomicInteger maxInMemory = new AtomicInteger();
    private final List<Integer> batchSizes = new ArrayList<>();
    private final List<String> progress = new ArrayList<>();
    private final List<String> planned = new ArrayList<>();

    @AfterEach
    void stopReaders() {
        readers.shutdownNow();
    }

    @Test
    void readsAheadWhileEncodingButNeverHoldsMoreThanTheWindow() throws IOException {
        JobProperties properties = properties(2, 3);
        int window = 2 + 3;
        pipeline(properties, new SlowEncoder(window)).run(request(), control());

        assertThat(stored).hasValue(REGIONS);
        assertThat(maxInMemory.get()).isLessThanOrEqualTo(window).isEqualTo(window);
        assertThat(batchSizes).containsOnly(2);
        assertThat(progress).startsWith("0/12", "1/12").endsWith("12/12");
    }

    @Test
    void skipsRegionsAlreadyStored() throws IOException {
        InMemoryRegionResults results = new InMemoryRegionResults();
        Provenance provenance = new FakeModels().models().provenance();
        UUID slideId = UUID.randomUUID();
        for (int i = 0; i < 5; i++) {
            results.store(slideId, provenance, new RegionResult(i, i * 4096L, 0, 4096, 4096, 0.5, new float[192],
                    new float[384], new float[384]));
        }
        FakeSlides slides = new FakeSlides();
        FakeSlides.Slide slide = slides.add(REGIONS);
        FakeInference inference = new FakeInference();
        new AnalysisPipeline(slides, inference, new FakeModels(), results, readers, properties(1, 2),
                new JobMetrics(null, new SimpleMeterRegistry()))
                .run(new AnalysisRequest(slideId, slide.blobKey, null), control());

        assertThat(inference.encodedRegions(slide.tag)).containsExactly(5, 6, 7, 8, 9, 10, 11);
        assertThat(progress.get(0)).isEqualTo("5/12");
        assertThat(results.slideResult(slideId).regions()).isEqualTo(REGIONS);
    }

    @Test
    void reanalysisOfAnotherGridReusesRegionsByGeometryEncodesNewOnesAndDropsTheRest() throws IOException {
        InMemoryRegionResults results = new InMemoryRegionResults();
        FakeInference inference = new FakeInference();
        List<Region> grid = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            grid.add(new Region(i, i * 4096L, 0, 4096, 4096, 0.5));
        }
        AnalysisPipeline pipeline = new AnalysisPipeline(gridSlides(grid), inference, new FakeModels(), results,
                readers, properties(1, 2), new JobMetrics(null, new SimpleMeterRegistry()));
        UUID slideId = UUID.randomUUID();
        pipeline.run(new AnalysisRequest(slideId, "grid", null), control(UUID.randomUUID()));
        assertThat(inference.encodedRegions(0)).containsExactly(0, 1, 2, 3);

        // New tissue settings (or mpp): the grid keeps the regions at x = 4096 and 8192, now first and second, loses
        // those at 0 and 12288 and gains one at 16384, which takes index 2, the old index of another place.
        grid.clear();
        grid.add(new Region(0, 4096, 0, 4096, 4096, 0.75));
        grid.add(new Region(1, 8192, 0, 4096, 4096, 0.5));
        grid.add(new Region(2, 16384, 0, 4096, 4096, 0.5));
        progress.clear();
        pipeline.run(new AnalysisRequest(slideId, "grid", null), control(UUID.randomUUID()));

        assertThat(inference.encodedRegions(0)).as("only the new region is encoded").containsExactly(0, 1, 2, 3, 2);
        List<RegionResult> stored = results.load(slideId, FakeModels.MODEL_VERSION, false);
        assertThat(stored).extracting(RegionResult::x).containsExactly(4096L, 8192L, 16384L);
        assertThat(stored).extracting(RegionResult::index).containsExactly(0, 1, 2);
        assertThat(stored.get(0).tissueFraction()).isEqualTo(0.75);
        assertThat(stored.get(0).cls4k()[0]).as("the region encoded as index 1 of the first grid").isEqualTo(1f);
        assertThat(results.slideResult(slideId).regions()).isEqualTo(3);
        assertThat(progress.get(0)).isEqualTo("2/3");
        assertThat(planned).last().isEqualTo("2 reused, 2 dropped");
    }

    @Test
    void forcedReanalysisEncodesEveryRegionAgainButAResumedOneKeepsItsOwn() throws IOException {
        InMemoryRegionResults results = new InMemoryRegionResults();
        FakeInference inference = new FakeInference();
        List<Region> grid = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            grid.add(new Region(i, i * 4096L, 0, 4096, 4096, 0.5));
        }
        AnalysisPipeline pipeline = new AnalysisPipeline(gridSlides(grid), inference, new FakeModels(), results,
                readers, properties(1, 2), new JobMetrics(null, new SimpleMeterRegistry()));
        UUID slideId = UUID.randomUUID();
        pipeline.run(new AnalysisRequest(slideId, "grid", null), control(UUID.randomUUID()));
        UUID forced = UUID.randomUUID();

        pipeline.run(new AnalysisRequest(slideId, "grid", null, true), control(forced));
        assertThat(inference.encodedRegions(0)).containsExactly(0, 1, 2, 0, 1, 2);
        assertThat(planned).last().isEqualTo("0 reused, 0 dropped");

        // The same forced job again (its worker died after storing everything): nothing is encoded a third time.
        pipeline.run(new AnalysisRequest(slideId, "grid", null, true), control(forced));
        assertThat(inference.encodedRegions(0)).hasSize(6);
        assertThat(results.slideResult(slideId).regions()).isEqualTo(3);
    }

    @Test
    void patchProgressMovesWithinARegionAndEndsAtAllPatches() throws IOException {
        // Regions preprocessed to 512 x 512: 4 patches each, reported by the encoder in batches of 2.
        FakeInference inference = new FakeInference() {
            @Override
            public float[] preprocess(RgbImage region) {
                return new float[3 * 512 * 512];
            }

            @Override
            public List<RegionEmbedding> encode(LoadedModels models, List<float[]> chwRegions, int side,
                                                IntConsumer patchesDone) {
                for (int done = 2; done <= 4 * chwRegions.size(); done += 2) {
                    patchesDone.accept(done);
                }
                return super.encode(models, chwRegions, side);
            }
        };
        FakeSlides slides = new FakeSlides();
        FakeSlides.Slide slide = slides.add(3);
        List<String> patches = new ArrayList<>();
        UUID jobId = UUID.randomUUID();
        JobControl control = new JobControl() {
            @Override
            public UUID jobId() {
                return jobId;
            }

            @Override
            public void planned(int reused, int dropped) {
            }

            @Override
            public void progress(int done, int total) {
            }

            @Override
            public void patches(int done, int total) {
                patches.add(done + "/" + total);
            }

            @Override
            public void checkpoint() {
            }
        };
        new AnalysisPipeline(slides, inference, new FakeModels(), new InMemoryRegionResults(), readers,
                properties(1, 1), new JobMetrics(null, new SimpleMeterRegistry()))
                .run(new AnalysisRequest(UUID.randomUUID(), slide.blobKey, null), control);

        assertThat(patches).startsWith("2/12", "4/12").contains("6/12", "10/12").endsWith("12/12");
    }

    @Test
    void cancelAtARegionBoundaryStopsBeforeTheNextBatch() {
        JobControl cancelAfterTwo = new JobControl() {
            @Override
            public UUID jobId() {
                return JOB;
            }

            @Override
            public void planned(int reused, int dropped) {
            }

            @Override
            public void progress(int done, int total) {
            }

            @Override
            public void checkpoint() {
                if (stored.get() >= 2) {
                    throw new AnalysisStopped(AnalysisStopped.Reason.CANCELLED, "cancel requested");
                }
            }
        };
        assertThatThrownBy(() -> pipeline(properties(1, 2), new SlowEncoder(0)).run(request(), cancelAfterTwo))
                .isInstanceOfSatisfying(AnalysisStopped.class,
                        e -> assertThat(e.reason()).isEqualTo(AnalysisStopped.Reason.CANCELLED));
        assertThat(stored).hasValue(2);
    }

    @Test
    void untrainedModelsNeverPredictEvenWithHeads() throws IOException {
        Path head = Path.of(System.getProperty("hipt.reference.dir", "../shared/fixtures/hipt-reference"))
                .resolve("slide_subtype.pt");
        Assumptions.assumeTrue(Files.isRegularFile(head), "fixture head " + head + " absent: skipping");
        try (SlideHead subtype = SlideHead.load(CheckpointReader.read(head), ModelOptions.defaults())) {
            AtomicInteger predictions = new AtomicInteger();
            FakeInference inference = new FakeInference() {
                @Override
                public SubtypePrediction subtype(LoadedModels models, List<float[]> cls256PerRegion) {
                    predictions.incrementAndGet();
                    return null;
                }
            };
            InMemoryRegionResults results = new InMemoryRegionResults();
            ModelProvider untrained = new ModelProvider() {
                @Override
                public LoadedModels models() {
                    return new LoadedModels(null, Optional.of(subtype), List.of("A", "B", "C"), Optional.empty(),
                            new Provenance("demo", true, Map.of()));
                }

                @Override
                public boolean ready() {
                    return true;
                }
            };
            FakeSlides slides = new FakeSlides();
            FakeSlides.Slide slide = slides.add(2);
            UUID slideId = UUID.randomUUID();
            new AnalysisPipeline(slides, inference, untrained, results, readers, properties(1, 1),
                    new JobMetrics(null, new SimpleMeterRegistry()))
                    .run(new AnalysisRequest(slideId, slide.blobKey, null), control());

            assertThat(predictions).hasValue(0);
            assertThat(results.slideResult(slideId).subtype()).isNull();
            assertThat(results.slideResult(slideId).regions()).isEqualTo(2);
        }
    }

    private AnalysisPipeline pipeline(JobProperties properties, RegionInference inference) {
        InMemoryRegionResults results = new InMemoryRegionResults() {
            @Override
            public void store(UUID slideId, Provenance provenance, UUID jobId, RegionResult region) {
                super.store(slideId, provenance, jobId, region);
                inMemory.decrementAndGet();
                stored.incrementAndGet();
            }
        };
        return new AnalysisPipeline(countingSlides(), inference, new FakeModels(), results, readers, properties,
                new JobMetrics(null, new SimpleMeterRegistry()));
    }

    private SlideSource countingSlides() {
        return (request, control) -> new SlideSource.OpenedSlide() {
            @Override
            public List<Region> regions() {
                List<Region> regions = new ArrayList<>();
                for (int i = 0; i < REGIONS; i++) {
                    regions.add(new Region(i, i * 4096L, 0, 4096, 4096, 1));
                }
                return regions;
            }

            @Override
            public RgbImage read(Region region) {
                maxInMemory.accumulateAndGet(inMemory.incrementAndGet(), Math::max);
                read.incrementAndGet();
                RgbImage image = RgbImage.black(FakeSlides.SIDE, FakeSlides.SIDE);
                image.rgb()[1] = (byte) region.index();
                return image;
            }

            @Override
            public void close() {
            }
        };
    }

    /** A slide whose grid is {@code grid} as it is when opened; its pixels carry the region index like FakeSlides. */
    private static SlideSource gridSlides(List<Region> grid) {
        return (request, control) -> {
            List<Region> regions = List.copyOf(grid);
            return new SlideSource.OpenedSlide() {
                @Override
                public List<Region> regions() {
                    return regions;
                }

                @Override
                public RgbImage read(Region region) {
                    RgbImage image = RgbImage.black(FakeSlides.SIDE, FakeSlides.SIDE);
                    image.rgb()[1] = (byte) region.index();
                    return image;
                }

                @Override
                public void close() {
                }
            };
        };
    }

    /** Encodes only once the readers have filled the read-ahead window, so the test sees the window reached. */
    private final class SlowEncoder extends FakeInference {
        private final int window;

        SlowEncoder(int window) {
            this.window = window;
        }

        @Override
        public List<RegionEmbedding> encode(LoadedModels models, List<float[]> chwRegions, int side) {
            synchronized (batchSizes) {
                batchSizes.add(chwRegions.size());
            }
            int expected = Math.min(REGIONS, stored.get() + window);
            await().atMost(Duration.ofSeconds(10)).until(() -> read.get() >= expected);
            return super.encode(models, chwRegions, side);
        }
    }

    private static JobProperties properties(int batchRegions, int readAhead) {
        return new JobProperties(1, 3, readAhead, batchRegions, 0, 100, Duration.ofSeconds(30), 3,
                Duration.ofSeconds(1), Duration.ofSeconds(10), 6, Duration.ofSeconds(2), Duration.ofSeconds(30));
    }

    private static AnalysisRequest request() {
        return new AnalysisRequest(UUID.randomUUID(), "any", null);
    }

    private JobControl control() {
        return control(JOB);
    }

    private JobControl control(UUID job) {
        return new JobControl() {
            @Override
            public UUID jobId() {
                return job;
            }

            @Override
            public void planned(int reused, int dropped) {
                planned.add(reused + " reused, " + dropped + " dropped");
            }

            @Override
            public void progress(int done, int total) {
                progress.add(done + "/" + total);
            }

            @Override
            public void checkpoint() {
            }
        };
    }

}
