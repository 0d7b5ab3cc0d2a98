package dev.hipt.model;

import ai.djl.ndarray.NDArray;

/** The few tensor operations the modules share, each mapped onto the libtorch kernel PyTorch itself uses. */
final class Ops {

    private Ops() {
    }

    /** {@code torch.nn.functional.linear}: one GEMM over all leading axes folded together. */
    static NDArray linear(NDArray x, NDArray weight, NDArray bias) {
        return x.getNDArrayInternal().linear(x, weight, bias).singletonOrThrow();
    }

    /** Exact (erf) GELU, {@code nn.GELU()} with its default {@code approximate='none'}. */
    static NDArray gelu(NDArray x) {
        return x.getNDArrayInternal().gelu();
    }

    static NDArray relu(NDArray x) {
        return x.getNDArrayInternal().relu();
    }

    static NDArray sigmoid(NDArray x) {
        return x.getNDArrayInternal().sigmoid();
    }
}
