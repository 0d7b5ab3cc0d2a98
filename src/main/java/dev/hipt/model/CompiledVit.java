package dev.hipt.model;

import ai.djl.Device;
import ai.djl.MalformedModelException;
import ai.djl.Model;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.pytorch.engine.PtSymbolBlock;
import ai.djl.pytorch.jni.IValue;
import ai.djl.pytorch.jni.IValueUtils;
import ai.djl.training.ParameterStore;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * One HIPT vision transformer compiled by libtorch: the {@link TorchScriptArchive} of its weights loaded through DJL
 * ({@code Model.load}, a {@code PtSymbolBlock}). Inputs and outputs are float32; the precision lives inside the
 * module. On a CPU whose oneDNN supports the precision, the module's {@code prepack} method reorders the block
 * weights once into oneDNN's layout right after loading ({@link Fusions#onednn}). Thread-safe: libtorch runs a
 * loaded module's {@code forward} from several threads at once (prepacking is done before the first), and position
 * embeddings are cached per grid in the model's long-lived manager.
 */
final class CompiledVit implements AutoCloseable {

    private final Model model;
    private final Block block;
    private final ParameterStore parameters;
    private final VisionTransformer architecture;
    private final float[] posEmbed;
    private final int patchSize;
    private final int prepackedWeights;
    private final Map<Long, NDArray> positions = new ConcurrentHashMap<>();

    private CompiledVit(Model model, VisionTransformer architecture, float[] posEmbed, int patchSize,
                        int prepackedWeights) {
        this.model = model;
        this.prepackedWeights = prepackedWeights;
        this.patchSize = patchSize;
        this.block = model.getBlock();
        this.parameters = new ParameterStore(model.getNDManager(), false);
        this.architecture = architecture;
        this.posEmbed = posEmbed;
    }

    /**
     * Writes the archive of {@code vit} with {@code weights} to a temporary file, loads it on {@code device} and
     * deletes the file (libtorch has read it whole); then prepacks its weights where {@code fusions} and the CPU allow.
     *
     * @param batch  the images (ViT-256) or regions (ViT-4K) a call usually holds, and
     * @param tokens the tokens of each (CLS included): the row hint for the prepacked layout
     * @throws CheckpointException naming a missing or mis-shaped parameter
     */
    static CompiledVit load(VisionTransformer vit, StateDict weights, Precision precision, Fusions fusions,
                            Device device, int batch, int tokens) {
        Path dir = null;
        Model model = null;
        try {
            dir = Files.createTempDirectory("hipt-torchscript");
            String name = vit.stem() == VisionTransformer.Stem.PATCH ? "vit256" : "vit4k";
            TorchScriptArchive.write(dir.resolve(name + ".pt"), vit, weights, precision, fusions);
            model = Model.newInstance(name, device, Devices.ENGINE);
            model.load(dir, name);
            int packed = 0;
            if (fusions.onednn() && !device.isGpu() && Fusions.onednnSupports(precision, Precision.cpuFlags())) {
                packed = prepack(model, (long) batch * tokens, batch);
            }
            int patch = vit.stem() == VisionTransformer.Stem.PATCH
                    ? (int) weights.get("patch_embed.proj.weight").shape()[2] : 1;
            return new CompiledVit(model, vit, weights.get("pos_embed").data(), patch, packed);
        } catch (IOException e) {
            closeQuietly(model);
            throw new UncheckedIOException("cannot write or load the compiled " + vit, e);
        } catch (MalformedModelException | RuntimeException e) {
            closeQuietly(model);
            throw new IllegalStateException("libtorch could not load the compiled " + vit + ": " + e.getMessage(), e);
        } finally {
            deleteQuietly(dir);
        }
    }

    /**
     * Runs the module's {@code prepack(rows, clsRows)}: every block weight reordered once for oneDNN. Returns how
     * many weights it reordered.
     */
    private static int prepack(Model model, long rows, long clsRows) {
        try (IValue r = IValue.from(rows);
             IValue c = IValue.from(clsRows);
             IValue packed = IValueUtils.runMethod((PtSymbolBlock) model.getBlock(), "prepack", r, c)) {
            if (packed.toLong() == 0) {
                throw new IllegalStateException("prepack reordered no weights");
            }
            return (int) packed.toLong();
        }
    }

    /** ViT-256 on images {@code [B, 3, H, W]}: {@link #forward} over the {@code H/16 x W/16} patch grid. */
    NDList forwardImages(NDArray images) {
        Shape s = images.getShape();
        return forward(images, (int) (s.get(2) / patchSize), (int) (s.get(3) / patchSize));
    }

    /**
     * ViT-256: images {@code [B, 3, H, W]}; ViT-4K: token grids {@code [B, rows*cols, inDim]}. Returns the CLS output
     * {@code [B, dim]} and the last block's CLS attention {@code [B, heads, rows*cols]}, float32, in {@code x}'s
     * manager.
     */
    NDList forward(NDArray x, int rows, int cols) {
        NDArray pos = positions.computeIfAbsent(((long) rows << 32) | cols, k -> positionArray(rows, cols));
        return block.forward(parameters, new NDList(x, pos), false);
    }

    /** {@code pos_embed} resized to a {@code rows x cols} grid as the eager path does, {@code [1, 1 + rows*cols, dim]}. */
    private NDArray positionArray(int rows, int cols) {
        int dim = architecture.dim();
        int src = (int) Math.round(Math.sqrt(posEmbed.length / dim - 1));
        float[] out = new float[(1 + rows * cols) * dim];
        System.arraycopy(posEmbed, 0, out, 0, dim);
        if (rows == src && cols == src) {
            System.arraycopy(posEmbed, dim, out, dim, rows * cols * dim);
        } else {
            float[] m = BicubicResize.matrix(src, rows, cols);
            int in = src * src;
            double[] acc = new double[dim];
            for (int o = 0; o < rows * cols; o++) {
                java.util.Arrays.fill(acc, 0);
                for (int s = 0; s < in; s++) {
                    float weight = m[o * in + s];
                    if (weight != 0) {
                        int base = (1 + s) * dim;
                        for (int d = 0; d < dim; d++) {
                            acc[d] += weight * posEmbed[base + d];
                        }
                    }
                }
                for (int d = 0; d < dim; d++) {
                    out[(1 + o) * dim + d] = (float) acc[d];
                }
            }
        }
        NDManager manager = model.getNDManager();
        return manager.create(out, new Shape(1, 1 + (long) rows * cols, dim));
    }

    /**
     * How many Linear weights {@code prepack} reordered into oneDNN's layout at load: 0 where the module runs
     * {@code torch.linear} (GPUs, CPUs whose oneDNN lacks the precision, oneDNN switched off).
     */
    int prepackedWeights() {
        return prepackedWeights;
    }

    VisionTransformer architecture() {
        return architecture;
    }

    @Override
    public void close() {
        model.close();
    }

    private static void closeQuietly(Model model) {
        if (model != null) {
            model.close();
        }
    }

    private static void deleteQuietly(Path dir) {
        if (dir == null) {
            return;
        }
        try (var files = Files.list(dir)) {
            files.forEach(Safetensors::deleteQuietly);
        } catch (IOException e) {
            // a temporary directory left behind is harmless
        }
        Safetensors.deleteQuietly(dir);
    }
}
