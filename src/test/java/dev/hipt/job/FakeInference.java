package dev.hipt.job;

import dev.hipt.model.RegionEmbedding;
import dev.hipt.model.SubtypePrediction;
import dev.hipt.model.SurvivalPrediction;
import dev.hipt.wsi.RgbImage;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * A stand-in encoder: each region's embedding is filled with its index, every completed encoding is recorded, and
 * a gate can hold a slide's encoding at a chosen region until the test opens it (or the worker is interrupted).
 */
class FakeInference implements RegionInference {

    /** One completed region encoding: slide tag and region index. */
    record Encoded(int tag, int index) {
    }

    private final List<Encoded> encoded = new CopyOnWriteArrayList<>();
    private final Map<Integer, Gate> gates = new ConcurrentHashMap<>();
    private final Map<Integer, Duration> paces = new ConcurrentHashMap<>();

    @Override
    public float[] preprocess(RgbImage region) {
        float[] chw = new float[3 * region.width() * region.height()];
        chw[0] = Byte.toUnsignedInt(region.rgb()[0]);
        chw[1] = Byte.toUnsignedInt(region.rgb()[1]);
        return chw;
    }

    @Override
    public List<RegionEmbedding> encode(LoadedModels models, List<float[]> chwRegions, int side) {
        List<RegionEmbedding> out = new ArrayList<>();
        for (float[] chw : chwRegions) {
            int tag = (int) chw[0];
            int index = (int) chw[1];
            Gate gate = gates.get(tag);
            if (gate != null && index >= gate.fromIndex) {
                gate.pass();
            }
            Duration pace = paces.get(tag);
            if (pace != null) {
                // Stands for the compute of a real encoder: time passes, the worker is busy but moving.
                LockSupport.parkNanos(pace.toNanos());
            }
            float[] cls256 = new float[384];
            float[] mean256 = new float[384];
            float[] cls4k = new float[192];
            Arrays.fill(cls256, index);
            Arrays.fill(mean256, index);
            Arrays.fill(cls4k, index);
            out.add(new RegionEmbedding(cls256, mean256, cls4k, null));
            encoded.add(new Encoded(tag, index));
        }
        return out;
    }

    @Override
    public SubtypePrediction subtype(LoadedModels models, List<float[]> cls256PerRegion) {
        throw new UnsupportedOperationException("no heads in these tests");
    }

    @Override
    public SurvivalPrediction survival(LoadedModels models, List<float[]> cls256PerRegion) {
        throw new UnsupportedOperationException("no heads in these tests");
    }

    /** Holds encoding of slide {@code tag} at region {@code fromIndex} and after, until the gate is opened. */
    Gate hold(int tag, int fromIndex) {
        Gate gate = new Gate(fromIndex);
        gates.put(tag, gate);
        return gate;
    }

    /** Encoding each region of slide {@code tag} takes {@code perRegion}. */
    void pace(int tag, Duration perRegion) {
        paces.put(tag, perRegion);
    }

    /** Region indices of slide {@code tag} in the order they were encoded. */
    List<Integer> encodedRegions(int tag) {
        return encoded.stream().filter(e -> e.tag() == tag).map(Encoded::index).toList();
    }

    void openAllGates() {
        gates.values().forEach(Gate::open);
    }

    static final class Gate {
        private final int fromIndex;
        private final CountDownLatch opened = new CountDownLatch(1);
        private final CountDownLatch reached = new CountDownLatch(1);

        Gate(int fromIndex) {
            this.fromIndex = fromIndex;
        }

        boolean reached() {
            return reached.getCount() == 0;
        }

        void open() {
            opened.countDown();
        }

        private void pass() {
            reached.countDown();
            try {
                if (!opened.await(60, TimeUnit.SECONDS)) {
                    throw new IllegalStateException("test gate never opened");
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("encoder interrupted", e);
            }
        }
    }
}
