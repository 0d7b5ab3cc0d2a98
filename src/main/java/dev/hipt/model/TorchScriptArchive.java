package dev.hipt.model;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Writes a HIPT vision transformer as a TorchScript archive that libtorch loads (through DJL's {@code Model.load}):
 * the module's code is our own {@code hipt_vit.torchscript.py} resource, its attributes (sizes, the compute dtype and
 * the weights) go into {@code data.pkl} with one storage per tensor under {@code data/}. PyTorch's layout is described
 * in {@code torch/csrc/jit/docs/serialization.md}.
 *
 * <p>The Linear weights of the blocks are stored in the compute dtype (bfloat16/float16 rounded to nearest even), so
 * the module never converts them per call; the stem, LayerNorm parameters, CLS token and everything the residual
 * stream adds stay float32.
 */
final class TorchScriptArchive {

    static final String CLASS = "HiptVit";
    static final String SOURCE = "hipt_vit.torchscript.py";
    /** The serialization format version the archive declares (torch 1.13 wrote 3 in {@code version}). */
    private static final String VERSION = "3\n";

    private TorchScriptArchive() {
    }

    /**
     * Writes {@code vit} with {@code weights} (checked against its parameter shapes) into {@code file}.
     *
     * @param precision FP32, BF16 or FP16 (resolved)
     * @param fusions   the module's attention ({@code sdpa}) and GELU fusion; oneDNN prepacking is done after loading
     *                  ({@link CompiledVit})
     * @throws CheckpointException naming a missing or mis-shaped parameter
     */
    static void write(Path file, VisionTransformer vit, StateDict weights, Precision precision, Fusions fusions) {
        Map<String, long[]> shapes = vit.parameterShapes();
        shapes.forEach((name, shape) -> weights.get(name, shape));
        boolean patch = vit.stem() == VisionTransformer.Stem.PATCH;
        String embed = patch ? "patch_embed.proj." : "phi.0.";
        List<Tensor> ln = new ArrayList<>();
        List<Tensor> w = new ArrayList<>();
        for (int i = 0; i < vit.depth(); i++) {
            String b = "blocks." + i + ".";
            for (String n : List.of("norm1.weight", "norm1.bias", "norm2.weight", "norm2.bias")) {
                ln.add(weights.get(b + n));
            }
            for (String n : List.of("attn.qkv.weight", "attn.qkv.bias", "attn.proj.weight", "attn.proj.bias",
                    "mlp.fc1.weight", "mlp.fc1.bias", "mlp.fc2.weight", "mlp.fc2.bias")) {
                w.add(weights.get(b + n));
            }
        }
        String root = "hipt_" + (patch ? "vit256" : "vit4k") + "/";
        Storages storages = new Storages();
        PickleOut p = new PickleOut();
        p.proto(2);
        p.global("__torch__", CLASS);
        p.emptyTuple();
        p.newobj();
        p.emptyDict();
        p.mark();
        p.unicode("training");
        p.bool(false);
        p.unicode("stem");
        p.integer(patch ? 0 : 1);
        p.unicode("depth");
        p.integer(vit.depth());
        p.unicode("heads");
        p.integer(vit.heads());
        p.unicode("dtype");
        p.integer(precision.torchScalarType());
        p.unicode("sdpa");
        p.bool(fusions.sdpa());
        p.unicode("fuse_gelu");
        p.bool(fusions.fusedGelu());
        p.unicode("linear_stem");
        p.bool(fusions.linearStem());
        p.unicode("split_cls");
        p.bool(fusions.splitCls());
        for (String[] attr : new String[][] {{"embed_w", embed + "weight"}, {"embed_b", embed + "bias"},
                {"cls_token", "cls_token"}, {"norm_w", "norm.weight"}, {"norm_b", "norm.bias"}}) {
            p.unicode(attr[0]);
            storages.tensor(p, weights.get(attr[1]), Precision.FP32);
        }
        p.unicode("ln");
        storages.list(p, ln, Precision.FP32);
        p.unicode("w");
        storages.list(p, w, precision);
        p.unicode("pw");
        storages.list(p, List.of(), precision);
        p.setitems();
        p.build();
        p.stop();

        zip(file, root, p.bytes(), source(), storages.data);
    }

    /**
     * A module of class {@code className} with the TorchScript {@code source} and only int attributes (for
     * benchmarks: a GEMM in a chosen dtype measured inside libtorch).
     */
    static void writeModule(Path file, String className, byte[] source, Map<String, Integer> attributes) {
        PickleOut p = new PickleOut();
        p.proto(2);
        p.global("__torch__", className);
        p.emptyTuple();
        p.newobj();
        p.emptyDict();
        p.mark();
        p.unicode("training");
        p.bool(false);
        attributes.forEach((name, value) -> {
            p.unicode(name);
            p.integer(value);
        });
        p.setitems();
        p.build();
        p.stop();
        zip(file, className.toLowerCase(java.util.Locale.ROOT) + "/", p.bytes(), source, List.of());
    }

    private static void zip(Path file, String root, byte[] pickle, byte[] source, List<byte[]> storages) {
        PickleOut constants = new PickleOut();
        constants.proto(2);
        constants.emptyTuple();
        constants.stop();
        try (StoredZip zip = new StoredZip(file)) {
            zip.putBytes(root + "data.pkl", pickle);
            zip.putBytes(root + "code/__torch__.py", source);
            zip.putBytes(root + "constants.pkl", constants.bytes());
            for (int i = 0; i < storages.size(); i++) {
                zip.putBytes(root + "data/" + i, storages.get(i));
            }
            zip.putBytes(root + "version", VERSION.getBytes(StandardCharsets.US_ASCII));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write TorchScript archive " + file, e);
        }
    }

    /** The module's TorchScript source, a resource of this package. */
    static byte[] source() {
        try (InputStream in = TorchScriptArchive.class.getResourceAsStream(SOURCE)) {
            if (in == null) {
                throw new IllegalStateException("resource " + SOURCE + " is missing from the classpath");
            }
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The archive's storages, one per tensor, in the order pickled. */
    private static final class Storages {
        private final List<byte[]> data = new ArrayList<>();

        void list(PickleOut p, List<Tensor> tensors, Precision precision) {
            p.global("torch.jit._pickle", "build_tensorlist");
            p.mark();
            p.emptyList();
            p.mark();
            for (Tensor t : tensors) {
                tensor(p, t, precision);
            }
            p.appends();
            p.tuple();
            p.reduce();
        }

        void tensor(PickleOut p, Tensor t, Precision precision) {
            String key = Integer.toString(data.size());
            data.add(encode(t.data(), precision));
            p.global("torch._utils", "_rebuild_tensor_v2");
            p.mark();
            p.mark();
            p.unicode("storage");
            p.global("torch", switch (precision) {
                case BF16 -> "BFloat16Storage";
                case FP16 -> "HalfStorage";
                default -> "FloatStorage";
            });
            p.unicode(key);
            p.unicode("cpu");
            p.integer(t.data().length);
            p.tuple();
            p.binpersid();
            p.integer(0);
            p.tupleOf(t.shape());
            p.tupleOf(TorchCheckpointWriter.contiguousStride(t.shape()));
            p.bool(false);
            p.global("collections", "OrderedDict");
            p.emptyTuple();
            p.reduce();
            p.tuple();
            p.reduce();
        }
    }

    /** Little-endian bytes of {@code values} in {@code precision}. */
    static byte[] encode(float[] values, Precision precision) {
        int size = precision == Precision.FP32 ? 4 : 2;
        ByteBuffer out = ByteBuffer.allocate(values.length * size).order(ByteOrder.LITTLE_ENDIAN);
        for (float v : values) {
            switch (precision) {
                case BF16 -> out.putShort(toBfloat16(v));
                case FP16 -> out.putShort(toFloat16(v));
                default -> out.putFloat(v);
            }
        }
        return out.array();
    }

    /** bfloat16 bits of {@code v}, rounded to nearest even (NaN stays NaN). */
    static short toBfloat16(float v) {
        int bits = Float.floatToRawIntBits(v);
        if (Float.isNaN(v)) {
            return (short) ((bits >>> 16) | 0x40);
        }
        int rounded = bits + 0x7FFF + ((bits >>> 16) & 1);
        return (short) (rounded >>> 16);
    }

    /** IEEE half-precision bits of {@code v}, rounded to nearest even; overflow to infinity, underflow to subnormals. */
    static short toFloat16(float v) {
        int bits = Float.floatToRawIntBits(v);
        int sign = (bits >>> 16) & 0x8000;
        int exp = (bits >>> 23) & 0xFF;
        int mant = bits & 0x7FFFFF;
        if (exp == 0xFF) {
            return (short) (sign | 0x7C00 | (mant != 0 ? 0x200 : 0));
        }
        int e = exp - 127 + 15;
        if (e >= 0x1F) {
            return (short) (sign | 0x7C00);
        }
        if (e <= 0) {
            if (e < -10) {
                return (short) sign;
            }
            int m = mant | 0x800000;
            int shift = 14 - e;
            int half = m >>> shift;
            int rest = m & ((1 << shift) - 1);
            int halfway = 1 << (shift - 1);
            if (rest > halfway || (rest == halfway && (half & 1) == 1)) {
                half++;
            }
            return (short) (sign | half);
        }
        int half = (e << 10) | (mant >>> 13);
        int rest = mant & 0x1FFF;
        if (rest > 0x1000 || (rest == 0x1000 && (half & 1) == 1)) {
            half++; // may carry into the exponent, up to infinity, which is the correct rounding
        }
        return (short) (sign | half);
    }
}
