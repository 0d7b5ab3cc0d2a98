package dev.hipt.model;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.nio.ByteBuffer;
import java.nio.FloatBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.function.IntConsumer;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * ViT-256/16 followed by ViT-4K/256: turns an RGB region (sides multiples of 256, normally 4096 x 4096 at 20x) into
 * its {@link RegionEmbedding}, as HIPT's {@code HIPT_4K} does.
 *
 * <p>Thread-safe: the weights are read-only in one long-lived NDManager, and every call works in a child manager of
 * its own that is closed before the call returns. ViT-256 runs over the patches of all regions of a call in batches
 * of {@link ModelOptions#vit256BatchSize()}.
 *
 * <p>libtorch's intra-op thread pool is process-wide ({@code -Dai.djl.pytorch.num_threads}, default: the cores).
 * Callers running several encodes at once on the CPU should size it to cores / concurrent calls: oversubscribed
 * OpenMP threads wait for each other and throughput collapses (docs/performance.md).
 */
public final class RegionEncoder implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(RegionEncoder.class);

    /** Side of a ViT-256 patch in pixels. */
    public static final int PATCH = 256;
    private static final int CHANNELS = 3;
    private static final int PATCH_FLOATS = CHANNELS * PATCH * PATCH;
    /** Largest ViT-256 forward pass on the CPU; see {@link #vit256Cls}. */
    static final int CPU_MICRO_BATCH = 16;
    /** Tokens, CLS included, of a ViT-256 patch (16 x 16 patches of 16 px) and of a ViT-4K region (16 x 16 of 256 px). */
    private static final int TOKENS = 1 + 16 * 16;

    /**
     * {@code (b / 255 - 0.5) / 0.5} in float for every byte value {@code b}: what {@link #preprocess} writes. A
     * table lookup instead of two float divisions per value: 62 instead of 258 ms of CPU per 4096 region
     * (docs/performance.md, "End to end").
     */
    private static final float[] NORMALISED = new float[256];

    static {
        for (int b = 0; b < 256; b++) {
            NORMALISED[b] = (b / 255f - 0.5f) / 0.5f;
        }
    }

    private final NDManager manager;
    private final Device device;
    private final VisionTransformer vit256;
    private final VisionTransformer vit4k;
    private final ModelOptions options;
    /** The compiled ViTs, or null on the eager path. */
    private final CompiledVit compiled256;
    private final CompiledVit compiled4k;
    private final Precision precision;
    /** Patches per ViT-256 step: as configured on the CPU, at most what free memory holds on a GPU. */
    private final int vit256Batch;
    private final DirectBuffers buffers = new DirectBuffers(4);

    private RegionEncoder(NDManager manager, Device device, VisionTransformer vit256, VisionTransformer vit4k,
                          ModelOptions options, CompiledVit compiled256, CompiledVit compiled4k, Precision precision,
                          int vit256Batch) {
        this.vit256Batch = vit256Batch;
        this.manager = manager;
        this.device = device;
        this.vit256 = vit256;
        this.vit4k = vit4k;
        this.options = options;
        this.compiled256 = compiled256;
        this.compiled4k = compiled4k;
        this.precision = precision;
    }

    /**
     * The encoder with these weights (ViT-256 and ViT-4K state dicts, PyTorch names, e.g. from
     * {@code CheckpointReader}). Block counts and widths come from the weights.
     *
     * @throws CheckpointException   naming any missing or mis-shaped parameter
     * @throws IllegalStateException when a GPU is required but DJL sees none
     */
    public static RegionEncoder load(StateDict vit256, StateDict vit4k, ModelOptions options) {
        Objects.requireNonNull(options, "options");
        VisionTransformer v256 = VisionTransformer.describedBy(vit256, 6);
        if (v256.stem() != VisionTransformer.Stem.PATCH) {
            throw new CheckpointException("ViT-256 checkpoint is missing parameter 'patch_embed.proj.weight'");
        }
        VisionTransformer v4k = VisionTransformer.describedBy(vit4k, 6);
        if (v4k.stem() != VisionTransformer.Stem.PHI) {
            throw new CheckpointException("ViT-4K checkpoint is missing parameter 'phi.0.weight'");
        }
        if (v4k.inDim() != v256.dim()) {
            throw new CheckpointException("parameter 'phi.0.weight' of the ViT-4K takes " + v4k.inDim()
                    + " features, but the ViT-256 makes " + v256.dim());
        }
        return create(v256, vit256, v4k, vit4k, options, Fusions.ALL);
    }

    /**
     * Seeded random weights with the official sizes (ViT-256: 12 blocks, ViT-4K: 6 blocks): the demo mode's
     * untrained model. The same seed gives the same weights on every machine.
     */
    public static RegionEncoder random(long seed, ModelOptions options) {
        return random(seed, 12, 6, options);
    }

    static RegionEncoder random(long seed, int depth256, int depth4k, ModelOptions options) {
        return random(seed, depth256, depth4k, options, Fusions.ALL);
    }

    /** {@link #random(long, int, int, ModelOptions)} with the compiled path's {@code fusions} (benchmarks). */
    static RegionEncoder random(long seed, int depth256, int depth4k, ModelOptions options, Fusions fusions) {
        VisionTransformer v256 = VisionTransformer.vit256(depth256);
        VisionTransformer v4k = VisionTransformer.vit4k(depth4k);
        return create(v256, v256.randomStateDict(seed), v4k, v4k.randomStateDict(seed + 1), options, fusions);
    }

    /** An encoder over the given (possibly non-official, e.g. tiny test) architectures and weights. */
    static RegionEncoder of(VisionTransformer v256, StateDict w256, VisionTransformer v4k, StateDict w4k,
                            ModelOptions options) {
        return of(v256, w256, v4k, w4k, options, Fusions.ALL);
    }

    /** {@link #of(VisionTransformer, StateDict, VisionTransformer, StateDict, ModelOptions)} with these fusions. */
    static RegionEncoder of(VisionTransformer v256, StateDict w256, VisionTransformer v4k, StateDict w4k,
                            ModelOptions options, Fusions fusions) {
        return create(v256, w256, v4k, w4k, options, fusions);
    }

    private static RegionEncoder create(VisionTransformer v256, StateDict w256, VisionTransformer v4k,
                                        StateDict w4k, ModelOptions options, Fusions fusions) {
        Device device = Devices.select(options.device(), options.gpu());
        Precision precision = options.precision().resolve(device);
        if (!device.isGpu() && options.compiled()) {
            Precision.cpuEmulationWarning(options.precision(), Precision.cpuFlags()).ifPresent(log::warn);
        }
        int batch = device.isGpu() ? gpuBatch(device, v256, w256, w4k, options, precision)
                : options.vit256BatchSize();
        NDManager manager = Devices.newManager(device);
        CompiledVit c256 = null;
        CompiledVit c4k = null;
        try {
            if (options.compiled()) {
                c256 = CompiledVit.load(v256, w256, precision, fusions, device, CPU_MICRO_BATCH, TOKENS);
                c4k = CompiledVit.load(v4k, w4k, precision, fusions, device, 1, TOKENS);
            } else {
                precision = Precision.FP32;
                v256.load(w256, manager);
                v4k.load(w4k, manager);
                v256.freeze(true);
                v4k.freeze(true);
            }
            return new RegionEncoder(manager, device, v256, v4k, options, c256, c4k, precision, batch);
        } catch (RuntimeException e) {
            if (c256 != null) {
                c256.close();
            }
            manager.close();
            throw e;
        }
    }

    /**
     * The ViT-256 batch on a GPU: the configured one, lowered to what the device's free memory holds next to the
     * weights ({@link BatchSizing}), read before the weights are loaded; {@link #vit256BatchSize()} tells which.
     */
    private static int gpuBatch(Device device, VisionTransformer v256, StateDict w256, StateDict w4k,
                                ModelOptions options, Precision precision) {
        long parameters = parameters(w256) + parameters(w4k);
        return BatchSizing.patchesThatFit(Devices.freeMemory(device), BatchSizing.modelBytes(parameters, precision),
                BatchSizing.vit256ActivationBytes(v256, precision), options.vit256BatchSize());
    }

    private static long parameters(StateDict weights) {
        return weights.asMap().values().stream().mapToLong(t -> t.data().length).sum();
    }

    /**
     * HIPT's input: interleaved RGB bytes ({@code width x height}) centre-cropped to multiples of 256 (as
     * {@code HIPT_4K.prepare_img_tensor}) and normalised to {@code (x / 255 - 0.5) / 0.5}, laid out {@code [3, H, W]}.
     * Pure Java; callable from reader threads.
     *
     * @throws IllegalArgumentException when a side is below 256 or the byte count does not match
     */
    public static float[] preprocess(byte[] rgb, int width, int height) {
        Crop crop = Crop.of(width, height);
        if ((long) width * height * CHANNELS != rgb.length) {
            throw new IllegalArgumentException("expected " + (long) width * height * CHANNELS + " RGB bytes for "
                    + width + "x" + height + ", got " + rgb.length);
        }
        int h = crop.height;
        int w = crop.width;
        float[] out = new float[CHANNELS * h * w];
        int plane = h * w;
        // One channel at a time, so the writes run along a plane; the table holds the formula's exact floats.
        for (int y = 0; y < h; y++) {
            int src = ((y + crop.top) * width + crop.left) * CHANNELS;
            for (int c = 0; c < CHANNELS; c++) {
                int dst = c * plane + y * w;
                for (int x = 0, s = src + c; x < w; x++, s += CHANNELS) {
                    out[dst + x] = NORMALISED[rgb[s] & 0xff];
                }
            }
        }
        return out;
    }

    /** Centre crop to multiples of 256, offsets rounded half to even as torchvision's {@code CenterCrop} does. */
    record Crop(int left, int top, int width, int height) {
        static Crop of(int width, int height) {
            int w = width - width % PATCH;
            int h = height - height % PATCH;
            if (w == 0 || h == 0) {
                throw new IllegalArgumentException("a region needs sides of at least " + PATCH + " px, got " + width
                        + "x" + height);
            }
            return new Crop((int) Math.rint((width - w) / 2.0), (int) Math.rint((height - h) / 2.0), w, h);
        }
    }

    /** One region from RGB bytes: {@link #preprocess} then {@link #encodePreprocessed}. */
    public RegionEmbedding encode(byte[] rgb, int width, int height, boolean attention) {
        Crop crop = Crop.of(width, height);
        return encodeGrids(List.of(preprocess(rgb, width, height)), crop.height, crop.width, attention, done -> { })
                .get(0);
    }

    /**
     * Regions already {@link #preprocess preprocessed}, each {@code [3, side, side]} with {@code side} a multiple of
     * 256: ViT-256 over all their patches in batches across regions, then ViT-4K per region.
     *
     * @param attention whether to return each region's last ViT-4K block CLS attention
     */
    public List<RegionEmbedding> encodePreprocessed(List<float[]> chwRegions, int side, boolean attention) {
        return encodeGrids(chwRegions, side, side, attention, done -> { });
    }

    /**
     * {@link #encodePreprocessed(List, int, boolean)}, calling {@code patchesDone} with the number of the call's
     * patches through ViT-256 after every batch of them, on the calling thread (what may throw to stop the call).
     */
    public List<RegionEmbedding> encodePreprocessed(List<float[]> chwRegions, int side, boolean attention,
                                                    IntConsumer patchesDone) {
        return encodeGrids(chwRegions, side, side, attention, patchesDone);
    }

    private List<RegionEmbedding> encodeGrids(List<float[]> regions, int height, int width, boolean attention,
                                              IntConsumer patchesDone) {
        if (height % PATCH != 0 || width % PATCH != 0 || height == 0 || width == 0) {
            throw new IllegalArgumentException("region sides must be positive multiples of " + PATCH + ", got "
                    + width + "x" + height);
        }
        for (float[] r : regions) {
            if (r.length != CHANNELS * height * width) {
                throw new IllegalArgumentException("a preprocessed " + width + "x" + height + " region holds "
                        + CHANNELS * height * width + " floats, got " + r.length);
            }
        }
        if (regions.isEmpty()) {
            return List.of();
        }
        int rows = height / PATCH;
        int cols = width / PATCH;
        int perRegion = rows * cols;
        int d256 = vit256.dim();
        float[][] cls256 = new float[regions.size()][perRegion * d256];
        try (NDManager call = manager.newSubManager()) {
            int total = regions.size() * perRegion;
            int batch = vit256Batch;
            for (int start = 0; start < total; start += batch) {
                int n = Math.min(batch, total - start);
                float[] cls = runVit256(call, regions, width, cols, perRegion, start, n);
                for (int i = 0; i < n; i++) {
                    int p = start + i;
                    System.arraycopy(cls, i * d256, cls256[p / perRegion], (p % perRegion) * d256, d256);
                }
                patchesDone.accept(start + n);
            }
            return runVit4k(call, cls256, rows, cols, attention);
        }
    }

    /** ViT-256 over patches {@code [start, start + n)} of the regions, numbered region by region, row-major. */
    private float[] runVit256(NDManager call, List<float[]> regions, int width, int cols, int perRegion, int start,
                              int n) {
        ByteBuffer bytes = buffers.take((long) n * PATCH_FLOATS * Float.BYTES);
        try {
            FloatBuffer dst = bytes.asFloatBuffer();
            int plane = regions.get(0).length / CHANNELS;
            for (int i = 0; i < n; i++) {
                int p = start + i;
                float[] region = regions.get(p / perRegion);
                int r = (p % perRegion) / cols;
                int c = (p % perRegion) % cols;
                for (int ch = 0; ch < CHANNELS; ch++) {
                    int base = ch * plane + r * PATCH * width + c * PATCH;
                    for (int y = 0; y < PATCH; y++) {
                        dst.put(region, base + y * width, PATCH);
                    }
                }
            }
            try (NDArray images = call.create(bytes, new Shape(n, CHANNELS, PATCH, PATCH), DataType.FLOAT32)) {
                return vit256Cls(images);
            }
        } finally {
            buffers.give(bytes);
        }
    }

    /**
     * ViT-256 CLS tokens {@code [B * dim]} of a batch of patches {@code [B, 3, 256, 256]}. On the CPU the batch runs
     * in micro-batches of at most {@value #CPU_MICRO_BATCH}: beyond that the largest intermediates (MLP hidden and
     * attention scores, ~1.6 MB per patch each) exceed glibc's 32 MiB mmap threshold, so every such array is a
     * fresh mapping whose pages the kernel must fault in and zero, which made element-wise operations five times
     * slower per element in measurements (docs/performance.md). A GPU takes the whole batch at once.
     */
    float[] vit256Cls(NDArray images) {
        int n = (int) images.getShape().get(0);
        int micro = device.isGpu() ? n : Math.min(n, CPU_MICRO_BATCH);
        if (micro == n) {
            return forwardCls(images);
        }
        float[] out = new float[n * vit256.dim()];
        for (int start = 0; start < n; start += micro) {
            int end = Math.min(n, start + micro);
            try (NDArray part = images.get(start + ":" + end)) {
                float[] cls = forwardCls(part);
                System.arraycopy(cls, 0, out, start * vit256.dim(), cls.length);
            }
        }
        return out;
    }

    private float[] forwardCls(NDArray images) {
        NDList out = compiled256 != null ? compiled256.forwardImages(images) : vit256.forwardImages(images, false);
        try {
            return out.get(0).toFloatArray();
        } finally {
            out.forEach(a -> {
                if (a != null) {
                    a.close();
                }
            });
        }
    }

    private List<RegionEmbedding> runVit4k(NDManager call, float[][] cls256, int rows, int cols, boolean attention) {
        int m = cls256.length;
        int perRegion = rows * cols;
        int d256 = vit256.dim();
        ByteBuffer bytes = buffers.take((long) m * perRegion * d256 * Float.BYTES);
        float[] cls4k;
        float[] attn = null;
        try {
            FloatBuffer dst = bytes.asFloatBuffer();
            for (float[] region : cls256) {
                dst.put(region);
            }
            try (NDArray tokens = call.create(bytes, new Shape(m, perRegion, d256), DataType.FLOAT32)) {
                NDList out = compiled4k != null ? compiled4k.forward(tokens, rows, cols)
                        : vit4k.forwardTokens(tokens, rows, cols, attention);
                cls4k = out.get(0).toFloatArray();
                if (attention) {
                    attn = out.get(1).toFloatArray();
                }
                out.forEach(a -> {
                    if (a != null) {
                        a.close();
                    }
                });
            }
        } finally {
            buffers.give(bytes);
        }
        List<RegionEmbedding> result = new ArrayList<>(m);
        int d4k = vit4k.dim();
        int attnLen = vit4k.heads() * perRegion;
        for (int i = 0; i < m; i++) {
            float[] c4k = new float[d4k];
            System.arraycopy(cls4k, i * d4k, c4k, 0, d4k);
            float[] a = null;
            if (attn != null) {
                a = new float[attnLen];
                System.arraycopy(attn, i * attnLen, a, 0, attnLen);
            }
            result.add(new RegionEmbedding(cls256[i], mean(cls256[i], perRegion, d256), c4k, a));
        }
        return result;
    }

    private static float[] mean(float[] rowsByDim, int rows, int dim) {
        double[] sum = new double[dim];
        for (int r = 0; r < rows; r++) {
            for (int d = 0; d < dim; d++) {
                sum[d] += rowsByDim[r * dim + d];
            }
        }
        float[] out = new float[dim];
        for (int d = 0; d < dim; d++) {
            out[d] = (float) (sum[d] / rows);
        }
        return out;
    }

    /**
     * The last-block CLS-to-patch attention of both ViTs for one preprocessed region {@code [3, side, side]}
     * ({@code side} a multiple of 256), as HIPT's {@code get_region_attention_scores} computes it: ViT-256 per patch,
     * then ViT-4K over the region's grid of ViT-256 CLS tokens. Runs the engine the encoder runs: the compiled
     * modules return the last block's attention beside the CLS tokens, as the eager blocks do.
     */
    public RegionAttention attention(float[] chw, int side) {
        if (side % PATCH != 0 || side == 0 || chw.length != CHANNELS * side * side) {
            throw new IllegalArgumentException("a preprocessed region of side " + side + " (a positive multiple of "
                    + PATCH + ") holds " + CHANNELS * side * side + " floats, got " + chw.length);
        }
        int grid = side / PATCH;
        int patches = grid * grid;
        int d256 = vit256.dim();
        int tokens256 = (PATCH / 16) * (PATCH / 16);
        float[] cls = new float[patches * d256];
        float[] attention256 = new float[patches * vit256.heads() * tokens256];
        int micro = device.isGpu() ? patches : Math.min(patches, CPU_MICRO_BATCH);
        try (NDManager call = manager.newSubManager()) {
            for (int start = 0; start < patches; start += micro) {
                int n = Math.min(micro, patches - start);
                float[] batch = new float[n * PATCH_FLOATS];
                int plane = side * side;
                for (int i = 0; i < n; i++) {
                    int r = (start + i) / grid;
                    int c = (start + i) % grid;
                    for (int ch = 0; ch < CHANNELS; ch++) {
                        for (int y = 0; y < PATCH; y++) {
                            System.arraycopy(chw, ch * plane + (r * PATCH + y) * side + c * PATCH, batch,
                                    i * PATCH_FLOATS + ch * PATCH * PATCH + y * PATCH, PATCH);
                        }
                    }
                }
                try (NDManager step = call.newSubManager();
                     NDArray images = step.create(batch, new Shape(n, CHANNELS, PATCH, PATCH))) {
                    NDList out = compiled256 != null ? compiled256.forwardImages(images)
                            : vit256.forwardImages(images, true);
                    System.arraycopy(out.get(0).toFloatArray(), 0, cls, start * d256, n * d256);
                    float[] a = out.get(1).toFloatArray();
                    System.arraycopy(a, 0, attention256, start * vit256.heads() * tokens256, a.length);
                }
            }
            try (NDArray tokens = call.create(cls, new Shape(1, patches, d256))) {
                NDList out = compiled4k != null ? compiled4k.forward(tokens, grid, grid)
                        : vit4k.forwardTokens(tokens, grid, grid, true);
                return new RegionAttention(patches, vit256.heads(), attention256, vit4k.heads(),
                        out.get(1).toFloatArray());
            }
        }
    }

    /**
     * The last ViT-4K block's CLS-to-patch attention {@code [heads x patches]} of each region from its stored
     * ViT-256 CLS grid {@code [patches x 384]} (a square grid, row-major): no pixels and no ViT-256 pass needed.
     */
    public List<float[]> attention4k(List<float[]> cls256PerRegion) {
        List<float[]> out = new ArrayList<>(cls256PerRegion.size());
        int d256 = vit256.dim();
        try (NDManager call = manager.newSubManager()) {
            for (float[] cls : cls256PerRegion) {
                int patches = cls.length / d256;
                int grid = (int) Math.round(Math.sqrt(patches));
                if (grid * grid != patches || patches * d256 != cls.length) {
                    throw new IllegalArgumentException("a cls256 grid must be square of " + d256 + "-vectors, got "
                            + cls.length + " floats");
                }
                try (NDManager step = call.newSubManager();
                     NDArray tokens = step.create(cls, new Shape(1, patches, d256))) {
                    NDList result = compiled4k != null ? compiled4k.forward(tokens, grid, grid)
                            : vit4k.forwardTokens(tokens, grid, grid, true);
                    out.add(result.get(1).toFloatArray());
                }
            }
        }
        return out;
    }

    /** ViT-256 on one preprocessed 256 x 256 patch {@code [3, 256, 256]}: its CLS token and last-block attention. */
    Vit256Output encodePatch(float[] chw) {
        if (chw.length != PATCH_FLOATS) {
            throw new IllegalArgumentException("a patch holds " + PATCH_FLOATS + " floats, got " + chw.length);
        }
        try (NDManager call = manager.newSubManager();
             NDArray image = call.create(chw, new Shape(1, CHANNELS, PATCH, PATCH))) {
            NDList out = compiled256 != null ? compiled256.forwardImages(image) : vit256.forwardImages(image, true);
            return new Vit256Output(out.get(0).toFloatArray(), out.get(1).toFloatArray());
        }
    }

    /** The CLS token {@code [dim]} and last-block CLS attention {@code [heads x patches]} of one ViT-256 pass. */
    record Vit256Output(float[] cls, float[] attention) {
    }

    /** {@code "cpu"} or {@code "gpu(N)"}. */
    public String device() {
        return Devices.name(device);
    }

    /** ViT-256 block count (12 for the official checkpoint). */
    public int vit256Depth() {
        return vit256.depth();
    }

    /** ViT-4K block count (6 for the official checkpoint). */
    public int vit4kDepth() {
        return vit4k.depth();
    }

    /** The precision the ViTs compute in: the configured one, {@code AUTO} resolved for the device. */
    public Precision precision() {
        return precision;
    }

    /**
     * How many Linear weights of the compiled ViT-256 and ViT-4K were prepacked for oneDNN at load, in that order
     * (zeros on the eager path and wherever the compiled modules run {@code torch.linear}).
     */
    int[] prepackedWeights() {
        return compiled256 == null ? new int[2]
                : new int[] {compiled256.prepackedWeights(), compiled4k.prepackedWeights()};
    }

    /**
     * Whether the device runs {@link #precision()} in hardware: on a CPU {@link Precision#nativeOnCpu} of its flags;
     * on a GPU bf16 needs compute capability 8.0 or later, fp32 and fp16 always are.
     */
    public boolean precisionNative() {
        if (device.isGpu()) {
            return precision != Precision.BF16 || Precision.gpuHasBf16(device.getDeviceId());
        }
        return precision.nativeOnCpu(Precision.cpuFlags());
    }

    /** Whether the ViTs run as compiled TorchScript modules (else as the eager reference blocks). */
    public boolean compiled() {
        return compiled256 != null;
    }

    /** Patches per ViT-256 step: {@link ModelOptions#vit256BatchSize()}, on a GPU at most what its memory holds. */
    public int vit256BatchSize() {
        return vit256Batch;
    }

    /** The configured options. */
    public ModelOptions options() {
        return options;
    }

    VisionTransformer vit256() {
        return vit256;
    }

    VisionTransformer vit4k() {
        return vit4k;
    }

    /** Releases the weights; calls still running must have finished. */
    @Override
    public void close() {
        if (compiled256 != null) {
            compiled256.close();
            compiled4k.close();
        }
        manager.close();
    }
}
