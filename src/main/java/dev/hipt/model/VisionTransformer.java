package dev.hipt.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * HIPT's vision transformers with the PyTorch module tree and parameter names.
 *
 * <ul>
 *   <li>ViT-256/16 ({@code vit_small}): {@code patch_embed.proj} Conv2d 3 -> 384, kernel and stride 16.</li>
 *   <li>ViT-4K/256 ({@code vit4k_xs}): {@code phi.0} Linear 384 -> 192 followed by GELU, over the grid of ViT-256
 *   CLS tokens of a region.</li>
 * </ul>
 * Both then prepend {@code cls_token}, add {@code pos_embed} (stored for a 14 x 14 grid, bicubically resized to the
 * input grid as HIPT-SPEC.md states), run pre-norm {@code blocks.N} and the final {@code norm}, and output the CLS
 * token. Block count and widths come from the weights' shapes; the head count is given (6 for both official models).
 */
public final class VisionTransformer extends TorchModule {

    /** LayerNorm epsilon of both HIPT ViTs. */
    public static final float EPS = 1e-6f;

    /** How tokens are made from the input. */
    public enum Stem {
        /** Conv2d patch embedding of RGB images ({@code patch_embed.proj}). */
        PATCH,
        /** Linear + GELU over a grid of feature vectors ({@code phi.0}). */
        PHI
    }

    private final Stem stem;
    private final int inDim;
    private final int dim;
    private final int heads;
    private final int posGrid;
    private final Conv2d patchProj;
    private final Linear phi;
    private final Parameter clsToken;
    private final Parameter posEmbed;
    private final List<Block> blocks;
    private final LayerNorm norm;
    private final Map<Long, NDArray> resizeCache = new ConcurrentHashMap<>();

    /**
     * @param stem      {@link Stem#PATCH} (ViT-256) or {@link Stem#PHI} (ViT-4K)
     * @param inDim     input channels (3) for PATCH, input feature width (384) for PHI
     * @param patchSize the Conv2d kernel for PATCH (16); ignored for PHI
     * @param dim       token width (384 or 192)
     * @param depth     number of blocks
     * @param heads     attention heads (6)
     * @param mlpHidden MLP hidden width (4 x dim)
     * @param posGrid   side of the stored position-embedding grid (14)
     */
    public VisionTransformer(Stem stem, int inDim, int patchSize, int dim, int depth, int heads, int mlpHidden,
                             int posGrid) {
        if (depth < 1) {
            throw new IllegalArgumentException("a vision transformer needs at least one block, got " + depth);
        }
        this.stem = stem;
        this.inDim = inDim;
        this.dim = dim;
        this.heads = heads;
        this.posGrid = posGrid;
        clsToken = parameter("cls_token", Init.TRUNC_NORMAL, 1, 1, dim);
        posEmbed = parameter("pos_embed", Init.TRUNC_NORMAL, 1, (long) posGrid * posGrid + 1, dim);
        if (stem == Stem.PATCH) {
            patchProj = module("patch_embed", new Container()).add("proj", new Conv2d(inDim, dim, patchSize));
            phi = null;
        } else {
            phi = module("phi", new Container()).add("0", new Linear(inDim, dim));
            patchProj = null;
        }
        List<Block> list = new ArrayList<>();
        for (int i = 0; i < depth; i++) {
            list.add(module("blocks." + i, new Block(dim, heads, mlpHidden, EPS)));
        }
        blocks = Collections.unmodifiableList(list);
        norm = module("norm", new LayerNorm(dim, EPS));
    }

    /** ViT-256/16 of the official size with {@code depth} blocks (12 official). */
    public static VisionTransformer vit256(int depth) {
        return new VisionTransformer(Stem.PATCH, 3, 16, 384, depth, 6, 1536, 14);
    }

    /** ViT-4K/256 of the official size with {@code depth} blocks (6 official). */
    public static VisionTransformer vit4k(int depth) {
        return new VisionTransformer(Stem.PHI, 384, 1, 192, depth, 6, 768, 14);
    }

    /**
     * The architecture that {@code weights} describe (stem from {@code patch_embed.proj.weight} or
     * {@code phi.0.weight}, widths from shapes, depth from the {@code blocks.N} count), without loading them.
     *
     * @throws CheckpointException when a parameter needed to tell the architecture is missing or mis-shaped
     */
    public static VisionTransformer describedBy(StateDict weights, int heads) {
        int depth = weights.countIndexed("blocks.");
        if (depth < 1) {
            throw new CheckpointException("checkpoint has no 'blocks.N.*' parameters: not a vision transformer");
        }
        int dim = (int) axis(weights, "cls_token", 3, 2);
        long pos = axis(weights, "pos_embed", 3, 1) - 1;
        int posGrid = (int) Math.round(Math.sqrt(pos));
        if ((long) posGrid * posGrid != pos) {
            throw new CheckpointException("parameter 'pos_embed' holds " + pos + " patch positions, not a square grid");
        }
        int mlpHidden = (int) axis(weights, "blocks.0.mlp.fc1.weight", 2, 0);
        if (weights.contains("patch_embed.proj.weight")) {
            Tensor w = weights.get("patch_embed.proj.weight");
            int in = (int) axis(weights, "patch_embed.proj.weight", 4, 1);
            int patch = (int) w.shape()[2];
            return new VisionTransformer(Stem.PATCH, in, patch, dim, depth, heads, mlpHidden, posGrid);
        }
        if (weights.contains("phi.0.weight")) {
            int in = (int) axis(weights, "phi.0.weight", 2, 1);
            return new VisionTransformer(Stem.PHI, in, 1, dim, depth, heads, mlpHidden, posGrid);
        }
        throw new CheckpointException(
                "checkpoint is missing parameter 'patch_embed.proj.weight' (ViT-256) or 'phi.0.weight' (ViT-4K)");
    }

    /** {@link #describedBy} then {@link #load}: the model with these weights, in {@code manager}. */
    public static VisionTransformer fromStateDict(StateDict weights, int heads, NDManager manager) {
        VisionTransformer vit = describedBy(weights, heads);
        vit.load(weights, manager);
        return vit;
    }

    private static long axis(StateDict weights, String name, int rank, int axis) {
        Tensor t = weights.get(name);
        if (t.shape().length != rank) {
            throw new CheckpointException("parameter '" + name + "' has " + t.shape().length + " dimensions, expected "
                    + rank);
        }
        return t.shape()[axis];
    }

    @Override
    protected void onLoaded() {
        resizeCache.clear();
    }

    public Stem stem() {
        return stem;
    }

    public int inDim() {
        return inDim;
    }

    public int dim() {
        return dim;
    }

    public int depth() {
        return blocks.size();
    }

    public int heads() {
        return heads;
    }

    /**
     * RGB images {@code [B, 3, H, W]} (PATCH stem) to CLS tokens {@code [B, dim]} and, when asked, the last block's
     * CLS-to-patch attention {@code [B, heads, (H/16)*(W/16)]} (else the second element is null). The results belong
     * to {@code images}' manager; every intermediate is released.
     */
    public NDList forwardImages(NDArray images, boolean withAttention) {
        if (stem != Stem.PATCH) {
            throw new IllegalStateException("this ViT takes token grids, not images");
        }
        return scoped(images.getManager(), () -> {
            Shape s = images.getShape();
            int k = patchProj.kernel();
            int rows = (int) (s.get(2) / k);
            int cols = (int) (s.get(3) / k);
            NDArray tokens = patchProj.forward(images).reshape(s.get(0), dim, (long) rows * cols).transpose(0, 2, 1);
            return encode(tokens, rows, cols, withAttention);
        });
    }

    /**
     * Token grids {@code [B, rows*cols, inDim]} (row-major; PHI stem) to CLS tokens {@code [B, dim]} and optionally
     * the last block's CLS attention {@code [B, heads, rows*cols]}. The results belong to {@code tokens}' manager.
     */
    public NDList forwardTokens(NDArray tokens, int rows, int cols, boolean withAttention) {
        if (stem != Stem.PHI) {
            throw new IllegalStateException("this ViT takes images, not token grids");
        }
        if (tokens.getShape().get(1) != (long) rows * cols) {
            throw new IllegalArgumentException("got " + tokens.getShape().get(1) + " tokens for a " + rows + "x" + cols
                    + " grid");
        }
        return scoped(tokens.getManager(), () -> encode(Ops.gelu(phi.forward(tokens)), rows, cols, withAttention));
    }

    private NDList encode(NDArray tokens, int rows, int cols, boolean withAttention) {
        long b = tokens.getShape().get(0);
        NDArray x = NDArrays.concat(new NDList(value(clsToken).broadcast(b, 1, dim), tokens), 1)
                .add(positions(rows, cols));
        for (int i = 0; i < blocks.size() - 1; i++) {
            NDArray next = blocks.get(i).forward(x);
            x.close();
            x = next;
        }
        NDList last = blocks.get(blocks.size() - 1).forwardCls(x, withAttention);
        NDArray cls = norm.forward(last.get(0)).reshape(b, dim);
        return new NDList(cls, last.get(1));
    }

    /**
     * Per-sample stochastic-depth factors for training: for block {@code block} and branch {@code branch} (0 attention,
     * 1 MLP), {@code batch} values, each 0 (branch dropped for that sample) or 1 / keep probability, or null when the
     * branch is kept for every sample.
     */
    @FunctionalInterface
    public interface DropPath {
        /** No stochastic depth (the teacher, inference). */
        DropPath NONE = (block, branch, batch) -> null;

        float[] scales(int block, int branch, int batch);
    }

    /**
     * The training forward: images {@code [B, 3, H, W]} (PATCH) or feature grids {@code [B, inDim, rows, cols]} (PHI)
     * to CLS tokens {@code [B, dim]}, with every block's two residual branches scaled as {@code dropPath} says. Every
     * operation is recorded for autograd when a {@code GradientCollector} is open and the parameters are not frozen;
     * position embeddings of other grids are a fixed bicubic matrix times {@code pos_embed}, so they get gradients
     * too. The result belongs to {@code input}'s manager.
     */
    public NDArray forwardTraining(NDArray input, DropPath dropPath) {
        return scoped(input.getManager(), () -> {
            Shape s = input.getShape();
            long b = s.get(0);
            int rows;
            int cols;
            NDArray tokens;
            if (stem == Stem.PATCH) {
                int k = patchProj.kernel();
                rows = (int) (s.get(2) / k);
                cols = (int) (s.get(3) / k);
                tokens = patchProj.forward(input).reshape(b, dim, (long) rows * cols).transpose(0, 2, 1);
            } else {
                rows = (int) s.get(2);
                cols = (int) s.get(3);
                NDArray grid = input.reshape(b, s.get(1), (long) rows * cols).transpose(0, 2, 1);
                tokens = Ops.gelu(phi.forward(grid));
            }
            NDArray x = NDArrays.concat(new NDList(value(clsToken).broadcast(b, 1, dim), tokens), 1)
                    .add(positions(rows, cols));
            NDManager manager = input.getManager();
            for (int i = 0; i < blocks.size(); i++) {
                x = blocks.get(i).forwardTraining(x, scale(manager, dropPath.scales(i, 0, (int) b)),
                        scale(manager, dropPath.scales(i, 1, (int) b)));
            }
            return new NDList(norm.forward(x.get(":, 0, :")));
        }).get(0);
    }

    /**
     * The factors as a tensor that owns its memory: DJL wraps a Java buffer without copying, and autograd keeps the
     * factors for the backward pass after this call's scope has closed the wrapper and freed the buffer.
     */
    private static NDArray scale(NDManager manager, float[] values) {
        if (values == null) {
            return null;
        }
        try (NDArray wrapped = manager.create(values, new Shape(values.length, 1, 1))) {
            return wrapped.duplicate();
        }
    }

    /** {@code pos_embed} for a {@code rows x cols} grid, {@code [1, 1 + rows*cols, dim]}, CLS position kept. */
    NDArray positions(int rows, int cols) {
        NDArray pos = value(posEmbed);
        if (rows == cols && rows == posGrid) {
            return pos;
        }
        NDArray patches = pos.get(":, 1:, :").reshape((long) posGrid * posGrid, dim);
        NDArray resized = resizeMatrix(rows, cols).matMul(patches).reshape(1, (long) rows * cols, dim);
        return NDArrays.concat(new NDList(pos.get(":, :1, :"), resized), 1);
    }

    private NDArray resizeMatrix(int rows, int cols) {
        long key = ((long) rows << 32) | cols;
        return resizeCache.computeIfAbsent(key, k -> {
            NDManager m = weightsManager();
            NDArray w = m.create(BicubicResize.matrix(posGrid, rows, cols),
                    new Shape((long) rows * cols, (long) posGrid * posGrid));
            NDScope.unregister(w);
            return w;
        });
    }

    /**
     * DJL entry point, mirroring the PyTorch {@code forward}: images {@code [B, 3, H, W]} (PATCH) or a feature grid
     * {@code [B, inDim, rows, cols]} (PHI) to CLS tokens {@code [B, dim]}.
     */
    @Override
    protected NDList forwardInternal(ParameterStore parameterStore, NDList inputs, boolean training,
                                     PairList<String, Object> params) {
        NDArray x = inputs.singletonOrThrow();
        if (stem == Stem.PATCH) {
            return new NDList(forwardImages(x, false).get(0));
        }
        Shape s = x.getShape();
        int rows = (int) s.get(2);
        int cols = (int) s.get(3);
        NDList out;
        try (NDArray tokens = x.reshape(s.get(0), s.get(1), (long) rows * cols).transpose(0, 2, 1)) {
            out = forwardTokens(tokens, rows, cols, false);
        }
        return new NDList(out.get(0));
    }

    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
        return new Shape[] {new Shape(inputShapes[0].get(0), dim)};
    }

    @Override
    public String toString() {
        return "VisionTransformer[" + stem + ", dim " + dim + ", depth " + blocks.size() + ", heads " + heads + "]";
    }
}
