package dev.hipt.model;

import java.util.Arrays;

/**
 * A dense float32 tensor in row-major (C) order, as read from or written to a checkpoint.
 *
 * @param shape the dimensions, outermost first
 * @param data  the values, {@code product(shape)} of them
 */
public record Tensor(long[] shape, float[] data) {

    public Tensor {
        if (numel(shape) != data.length) {
            throw new IllegalArgumentException(
                    "shape " + Arrays.toString(shape) + " holds " + numel(shape) + " values, data has " + data.length);
        }
    }

    /** The number of elements a tensor of this shape holds. */
    public static long numel(long[] shape) {
        long n = 1;
        for (long d : shape) {
            n *= d;
        }
        return n;
    }

    public boolean hasShape(long... expected) {
        return Arrays.equals(shape, expected);
    }

    @Override
    public String toString() {
        return "Tensor" + Arrays.toString(shape);
    }
}
