package dev.hipt.job;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.hipt.job.CheckpointModelProvider.ModelFactory;
import dev.hipt.job.CheckpointModelProvider.ModelLoadException;
import dev.hipt.job.CheckpointModelProvider.State;
import dev.hipt.model.DevicePreference;
import dev.hipt.model.DeviceSpec;
import dev.hipt.model.Precision;
import dev.hipt.model.RegionEncoder;
import dev.hipt.model.SlideHead;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.actuate.info.Info;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.Status;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

class CheckpointModelProviderTests {

    private static final Path REFERENCE = Path.of(
            System.getProperty("hipt.reference.dir", "../shared/fixtures/hipt-reference"));

    @Test
    void withoutCheckpointsModelsAnswerModelNotConfiguredNamingTheProperties() {
        CheckpointModelProvider provider = new CheckpointModelProvider(properties(null, null, false), new FakeFactory());
        provider.start();

        assertThatThrownBy(provider::models)
                .isInstanceOf(ModelNotConfiguredException.class)
                .hasMessageContaining("hipt.model.vit256-checkpoint")
                .hasMessageContaining("hipt.model.vit4k-checkpoint")
                .hasMessageContaining("hipt.model.demo-random-weights=true");
        assertThat(provider.ready()).as("readiness does not wait for models nobody configured").isTrue();
        assertThat(provider.status().state()).isEqualTo(State.NOT_CONFIGURED);
        assertThat(new ModelsHealthIndicator(provider).health().getStatus()).isEqualTo(Status.UP);
    }

    @Test
    void demoWeightsGiveUntrainedProvenanceAndNoHeads() {
        FakeFactory factory = new FakeFactory();
        CheckpointModelProvider provider = new CheckpointModelProvider(properties(null, null, true), factory);
        provider.start();

        LoadedModels models = provider.models();

        assertThat(factory.randomSeed.get()).isEqualTo(7);
        assertThat(models.provenance().untrained()).isTrue();
        assertThat(models.provenance().modelVersion()).isEqualTo("demo-7");
        assertThat(models.provenance().checkpointSha256()).isEmpty();
        assertThat(models.subtype()).isEmpty();
        assertThat(models.survival()).isEmpty();
        assertThat(provider.ready()).isTrue();
        assertThat(info(provider)).containsEntry("untrained", true).containsEntry("modelVersion", "demo-7");
    }

    @Test
    void demoWeightsLoadARealEncoderOfTheOfficialSize() {
        CheckpointModelProvider provider = new CheckpointModelProvider(properties(null, null, true));
        provider.start();
        try {
            LoadedModels models = provider.models();

            assertThat(models.encoder().vit256Depth()).isEqualTo(12);
            assertThat(models.encoder().vit4kDepth()).isEqualTo(6);
            assertThat(models.provenance().untrained()).isTrue();
            assertThat(models.subtype()).isEmpty();
        } finally {
            provider.stop();
        }
    }

    @Test
    void releasesTheModelsOnlyAfterTheLastBatchInFlightHasFinished() throws Exception {
        CheckpointModelProvider provider = new CheckpointModelProvider(properties(null, null, true), new FakeFactory());
        provider.start();
        provider.models();
        ModelProvider.InUse batch = provider.inUse();

        // the scheduler's wait is over, but a region is still encoding in native code
        java.util.concurrent.CompletableFuture<Void> stopping =
                java.util.concurrent.CompletableFuture.runAsync(provider::stop);

        org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(10))
                .until(() -> refusesNewBatches(provider));
        assertThat(stopping).as("released under the batch in flight").isNotDone();
        assertThat(provider.isRunning()).isTrue();
        batch.close();
        stopping.get(10, java.util.concurrent.TimeUnit.SECONDS);
        assertThat(provider.isRunning()).isFalse();
    }

    private static boolean refusesNewBatches(CheckpointModelProvider provider) {
        try {
            provider.inUse().close();
            return false;
        } catch (AnalysisStopped stopped) {
            return true;
        }
    }

    @Test
    void readinessIsDownWhileLoadingAndUpOnceLoaded() {
        FakeFactory factory = new FakeFactory();
        factory.gate = new CountDownLatch(1);
        CheckpointModelProvider provider = new CheckpointModelProvider(properties(null, null, true), factory);
        provider.start();

        assertThat(provider.status().state()).isEqualTo(State.LOADING);
        assertThat(provider.ready()).isFalse();
        assertThat(new ModelsHealthIndicator(provider).health().getStatus()).isEqualTo(Status.DOWN);

        factory.gate.countDown();
        await().atMost(Duration.ofSeconds(10)).until(provider::ready);
        assertThat(new ModelsHealthIndicator(provider).health().getStatus()).isEqualTo(Status.UP);
    }

    @Test
    void aMissingCheckpointFileKeepsReadinessDownWithTheReason(@TempDir Path dir) throws IOException {
        Path vit4k = Files.writeString(dir.resolve("vit4k.pth"), "x");
        CheckpointModelProvider provider = new CheckpointModelProvider(
                properties(dir.resolve("missing.pth").toString(), vit4k.toString(), false), new FakeFactory());
        provider.start();

        await().atMost(Duration.ofSeconds(10)).until(() -> provider.status().state() == State.FAILED);
        assertThat(provider.ready()).isFalse();
        assertThat(provider.status().reason()).contains("hipt.model.vit256-checkpoint", "no such file");
        Health health = new ModelsHealthIndicator(provider).health();
        assertThat(health.getStatus()).isEqualTo(Status.DOWN);
        assertThat(health.getDetails().get("reason").toString()).contains("hipt.model.vit256-checkpoint");
        assertThatThrownBy(provider::models).isInstanceOf(ModelLoadException.class)
                .hasMessageContaining("hipt.model.vit256-checkpoint");
    }

    @Test
    void aFileThatIsNoCheckpointFailsLoadingWithAClearError(@TempDir Path dir) throws IOException {
        Path notACheckpoint = Files.writeString(dir.resolve("vit256.pth"), "this is not a checkpoint");
        CheckpointModelProvider provider = new CheckpointModelProvider(
                properties(notACheckpoint.toString(), notACheckpoint.toString(), false));
        provider.start();

        await().atMost(Duration.ofSeconds(30)).until(() -> provider.status().state() == State.FAILED);
        assertThat(provider.ready()).isFalse();
        assertThatThrownBy(provider::models).isInstanceOf(ModelLoadException.class)
                .hasMessageContaining("hipt.model.vit256-checkpoint");
    }

    @Test
    void onlyOneVitCheckpointIsAConfigurationError(@TempDir Path dir) throws IOException {
        Path vit256 = Files.writeString(dir.resolve("vit256.pth"), "x");
        CheckpointModelProvider provider = new CheckpointModelProvider(
                properties(vit256.toString(), null, false), new FakeFactory());
        provider.start();

        assertThat(provider.status().state()).isEqualTo(State.FAILED);
        assertThat(provider.status().reason()).contains("hipt.model.vit4k-checkpoint");
        assertThatThrownBy(provider::models).isInstanceOf(ModelLoadException.class);
    }

    @Test
    void aSubtypeHeadNeedsItsClassNames(@TempDir Path dir) throws IOException {
        Path file = Files.writeString(dir.resolve("x.pth"), "x");
        ModelProperties props = new ModelProperties(file.toString(), file.toString(), file.toString(), List.of(),
                null, DevicePreference.CPU, 64, false, 7, true, Precision.AUTO, List.of());
        CheckpointModelProvider provider = new CheckpointModelProvider(props, new FakeFactory());
        provider.start();

        await().atMost(Duration.ofSeconds(10)).until(() -> provider.status().state() == State.FAILED);
        assertThat(provider.status().reason()).contains("hipt.model.subtype-classes");
    }

    @Test
    void modelVersionNamesTheBackboneAndNoHead() {
        Map<String, String> vits = Map.of("vit256", "a".repeat(64), "vit4k", "b".repeat(64));
        Map<String, String> withHead = Map.of("vit256", "a".repeat(64), "vit4k", "b".repeat(64),
                "subtype", "c".repeat(64));

        String version = CheckpointModelProvider.modelVersion(vits);

        assertThat(version).matches("[0-9a-f]{12}").isEqualTo(CheckpointModelProvider.modelVersion(vits));
        assertThat(CheckpointModelProvider.modelVersion(Map.of("vit256", "a".repeat(64), "vit4k", "d".repeat(64))))
                .isNotEqualTo(version);
        assertThat(CheckpointModelProvider.modelVersion(withHead)).as("a head never changes the backbone's version")
                .isEqualTo(version);
    }

    @Test
    void swapsToNewlyActivatedModelsAndReleasesTheOldOnesOnlyOnceNoLeaseHoldsThem() {
        FakeFactory factory = new FakeFactory();
        FakeCatalog catalog = new FakeCatalog();
        catalog.activate("vit256-a", "vit4k-a", null);
        CheckpointModelProvider provider = new CheckpointModelProvider(properties(null, null, false), factory,
                catalog);
        provider.start();
        try {
            LoadedModels first = provider.models();
            assertThat(first.provenance().modelIds()).containsEntry("vit256", catalog.id("vit256-a").toString());
            assertThat(first.subtype()).isEmpty();

            ModelProvider.Lease job = provider.lease();
            catalog.activate("vit256-a", "vit4k-a", "head-b");
            provider.poll();

            LoadedModels second = provider.models();
            assertThat(second).isNotSameAs(first);
            assertThat(second.provenance().modelIds()).containsEntry("subtype", catalog.id("head-b").toString());
            assertThat(second.provenance().modelVersion()).as("same backbone, same version")
                    .isEqualTo(first.provenance().modelVersion());
            assertThat(second.subtypeClasses()).containsExactly("A", "B");
            assertThat(job.models()).isSameAs(first);
            assertThat(factory.released).as("a job still holds the first set").isEmpty();
            job.close();
            assertThat(factory.released).containsExactly(first);

            catalog.activate("vit256-c", "vit4k-a", "head-b");
            provider.poll();
            assertThat(factory.released).containsExactly(first, second);
            assertThat(provider.models().provenance().modelVersion()).isNotEqualTo(first.provenance().modelVersion());
        } finally {
            provider.stop();
        }
    }

    @Test
    void keepsServingTheLoadedModelsWhenNewlyActivatedOnesFailToLoad() {
        FakeFactory factory = new FakeFactory();
        FakeCatalog catalog = new FakeCatalog();
        catalog.activate("vit256-a", "vit4k-a", null);
        CheckpointModelProvider provider = new CheckpointModelProvider(properties(null, null, false), factory,
                catalog);
        provider.start();
        try {
            LoadedModels first = provider.models();
            catalog.activate("broken", "vit4k-a", null);
            provider.poll();

            assertThat(provider.models()).isSameAs(first);
            assertThat(provider.ready()).isTrue();
            assertThat(factory.released).isEmpty();
        } finally {
            provider.stop();
        }
        assertThat(factory.released).as("stop releases what is loaded").hasSize(1);
    }

    @Test
    void checkpointLocationsMayBeFileUris(@TempDir Path dir) throws IOException {
        Path file = Files.writeString(dir.resolve("vit256.pth"), "x");

        assertThat(CheckpointModelProvider.checkpoint("p", file.toUri().toString())).isEqualTo(file);
        assertThatThrownBy(() -> CheckpointModelProvider.checkpoint("hipt.model.vit256-checkpoint", "s3://b/k.pth"))
                .hasMessageContaining("only local paths and file: URIs");
    }

    @Test
    void fixtureCheckpointsLoadWithTheirManifestSha256s() throws IOException {
        Assumptions.assumeTrue(Files.isRegularFile(REFERENCE.resolve("manifest.json")),
                REFERENCE + " absent: skipping");
        JsonNode checkpoints = JsonMapper.builder().build()
                .readTree(Files.readString(REFERENCE.resolve("manifest.json"))).get("checkpoints");
        ModelProperties props = new ModelProperties(REFERENCE.resolve("vit256.pth").toString(),
                REFERENCE.resolve("vit4k.pth").toUri().toString(), REFERENCE.resolve("slide_subtype.pt").toString(),
                List.of("A", "B", "C"), REFERENCE.resolve("slide_survival.pt").toString(), DevicePreference.CPU, 16,
                true, 7, true, Precision.AUTO, List.of());
        CheckpointModelProvider provider = new CheckpointModelProvider(props);
        provider.start();
        try {
            LoadedModels models = provider.models();

            assertThat(models.provenance().untrained()).as("demo flag is ignored when checkpoints are set").isFalse();
            assertThat(models.provenance().checkpointSha256()).isEqualTo(Map.of(
                    "vit256", checkpoints.get("vit256.pth").get("sha256").asString(),
                    "vit4k", checkpoints.get("vit4k.pth").get("sha256").asString(),
                    "subtype", checkpoints.get("slide_subtype.pt").get("sha256").asString(),
                    "survival", checkpoints.get("slide_survival.pt").get("sha256").asString()));
            assertThat(models.provenance().modelVersion()).isEqualTo(CheckpointModelProvider.modelVersion(
                    models.provenance().checkpointSha256()));
            assertThat(models.encoder().vit256Depth()).isEqualTo(2);
            assertThat(models.encoder().compiled()).as("the compiled path is the default").isTrue();
            assertThat(models.provenance().precision()).as("auto resolved for this CPU, recorded in provenance")
                    .isEqualTo(Precision.cpuHasBf16(Precision.cpuFlags()) ? "bf16" : "fp32");
            assertThat(models.subtype()).hasValueSatisfying(h -> assertThat(h.outputs()).isEqualTo(3));
            assertThat(models.survival()).hasValueSatisfying(h -> assertThat(h.outputs()).isEqualTo(4));
            assertThat(models.subtypeClasses()).containsExactly("A", "B", "C");
            assertThat(provider.ready()).isTrue();
            assertThat(info(provider)).containsEntry("device", "cpu").containsKey("checkpoints")
                    .containsEntry("precision", models.provenance().precision())
                    .containsEntry("precisionNative", true);
        } finally {
            provider.stop();
        }
    }

    @Test
    void forcedBf16SaysInInfoAndHealthWhetherThisCpuRunsItNatively() {
        Assumptions.assumeTrue(Files.isRegularFile(REFERENCE.resolve("vit256.pth")), REFERENCE + " absent: skipping");
        ModelProperties props = new ModelProperties(REFERENCE.resolve("vit256.pth").toString(),
                REFERENCE.resolve("vit4k.pth").toString(), null, List.of(), null, DevicePreference.CPU, 16,
                false, 7, true, Precision.BF16, List.of());
        CheckpointModelProvider provider = new CheckpointModelProvider(props);
        provider.start();
        try {
            provider.models();
            boolean nativeHere = Precision.BF16.nativeOnCpu(Precision.cpuFlags());
            assertThat(info(provider)).containsEntry("precision", "bf16").containsEntry("precisionNative", nativeHere);
            assertThat(new ModelsHealthIndicator(provider).health().getDetails())
                    .containsEntry("precision", "bf16").containsEntry("precisionNative", nativeHere);
        } finally {
            provider.stop();
        }
    }

    @Test
    void precisionFp32CanBeForcedAndIsRecordedInProvenance() {
        Assumptions.assumeTrue(Files.isRegularFile(REFERENCE.resolve("manifest.json")),
                REFERENCE + " absent: skipping");
        ModelProperties props = new ModelProperties(REFERENCE.resolve("vit256.pth").toString(),
                REFERENCE.resolve("vit4k.pth").toString(), null, null, null, DevicePreference.CPU, 16, false, 7, true,
                Precision.FP32, List.of());
        CheckpointModelProvider provider = new CheckpointModelProvider(props);
        provider.start();
        try {
            LoadedModels models = provider.models();

            assertThat(models.encoder().compiled()).isTrue();
            assertThat(models.encoder().precision()).isEqualTo(Precision.FP32);
            assertThat(models.provenance().precision()).isEqualTo("fp32");
        } finally {
            provider.stop();
        }
    }

    @Test
    void loadsOneEncoderPerListedDeviceInOrder() {
        FakeFactory factory = new FakeFactory();
        ModelProperties props = new ModelProperties(null, null, null, null, null, DevicePreference.AUTO, 64, true, 7,
                true, Precision.AUTO, List.of("gpu1", "gpu0"));
        CheckpointModelProvider provider = new CheckpointModelProvider(props, factory);
        provider.start();

        LoadedModels models = provider.models();

        assertThat(factory.devices).extracting(DeviceSpec::label).containsExactly("gpu1", "gpu0");
        assertThat(models.encoders()).hasSize(2);
    }

    @Test
    void withoutADeviceListTheSingleDeviceSettingStillDecides() {
        FakeFactory factory = new FakeFactory();
        CheckpointModelProvider provider = new CheckpointModelProvider(properties(null, null, true), factory);
        provider.start();

        provider.models();

        assertThat(factory.devices).extracting(DeviceSpec::label).containsExactly("cpu");
    }

    @Test
    void aDeviceListMustNameDistinctGpus() {
        assertThatThrownBy(() -> new ModelProperties("a", "b", null, null, null, DevicePreference.AUTO, 16, false, 7,
                true, Precision.AUTO, List.of("gpu0", "gpu0"))).hasMessageContaining("gpu0 twice");
        assertThatThrownBy(() -> new ModelProperties("a", "b", null, null, null, DevicePreference.AUTO, 16, false, 7,
                true, Precision.AUTO, List.of("cpu", "gpu0"))).hasMessageContaining("must all be GPUs");
        assertThatThrownBy(() -> new ModelProperties("a", "b", null, null, null, DevicePreference.AUTO, 16, false, 7,
                true, Precision.AUTO, List.of("npu0"))).hasMessageContaining("hipt.model.devices");
    }

    @Test
    void theEagerPathRefusesBfloat16() {
        assertThatThrownBy(() -> new ModelProperties("a", "b", null, null, null, DevicePreference.CPU, 16, false, 7,
                false, Precision.BF16, List.of())).hasMessageContaining("hipt.model.compiled=true");
    }

    private static Map<String, Object> info(CheckpointModelProvider provider) {
        Info.Builder builder = new Info.Builder();
        new ModelsInfoContributor(provider).contribute(builder);
        @SuppressWarnings("unchecked")
        Map<String, Object> models = (Map<String, Object>) builder.build().getDetails().get("models");
        return models;
    }

    private static ModelProperties properties(String vit256, String vit4k, boolean demo) {
        return new ModelProperties(vit256, vit4k, null, null, null, DevicePreference.CPU, 64, demo, 7, true,
                Precision.AUTO, List.of());
    }

    /** Loads nothing real: encoders are {@code null}, sha256 is the path's name. */
    private static final class FakeFactory implements ModelFactory {

        final AtomicLong randomSeed = new AtomicLong(-1);
        final List<DeviceSpec> devices = new java.util.concurrent.CopyOnWriteArrayList<>();
        volatile CountDownLatch gate;
        final List<LoadedModels> released = new java.util.concurrent.CopyOnWriteArrayList<>();

        @Override
        public void release(LoadedModels models) {
            released.add(models);
        }

        @Override
        public String sha256(Path file) {
            return file.getFileName().toString();
        }

        @Override
        public RegionEncoder encoder(Path vit256, Path vit4k, DeviceSpec device, int vit256BatchSize) {
            if (vit256.getFileName().toString().equals("broken")) {
                throw new ModelLoadException("broken checkpoint", null);
            }
            return null;
        }

        @Override
        public RegionEncoder randomEncoder(long seed, DeviceSpec device, int vit256BatchSize) {
            devices.add(device);
            if (gate != null) {
                try {
                    gate.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            randomSeed.set(seed);
            return null;
        }

        @Override
        public SlideHead head(Path checkpoint, DevicePreference device, int vit256BatchSize) {
            return null;
        }
    }

    /** The registry's active set, in memory; every activation moves the generation. */
    private static final class FakeCatalog implements ModelCatalog {

        private final Map<String, java.util.UUID> ids = new java.util.concurrent.ConcurrentHashMap<>();
        private volatile long generation;
        private volatile ActiveSet active;

        void activate(String vit256, String vit4k, String subtype) {
            long next = generation + 1;
            active = new ActiveSet(next, checkpoint(vit256), checkpoint(vit4k),
                    java.util.Optional.ofNullable(subtype).map(this::checkpoint), java.util.Optional.empty());
            generation = next;
        }

        java.util.UUID id(String name) {
            return ids.computeIfAbsent(name, n -> java.util.UUID.randomUUID());
        }

        private Checkpoint checkpoint(String name) {
            return new Checkpoint(id(name), name + "-sha", Path.of(name), name.startsWith("head") ? List.of("A", "B")
                    : List.of());
        }

        @Override
        public long generation() {
            return generation;
        }

        @Override
        public Duration pollInterval() {
            return Duration.ofHours(1);
        }

        @Override
        public java.util.Optional<ActiveSet> active() {
            return java.util.Optional.ofNullable(active);
        }
    }
}
