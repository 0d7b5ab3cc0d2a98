package dev.hipt.model;

import java.nio.ByteBuffer;

/**
 * Element types a checkpoint storage may hold, with their PyTorch storage class and safetensors dtype names. Every
 * type is widened or narrowed to float32 on reading: float16/bfloat16 exactly, float64 by rounding, integers and
 * booleans by value (integer counters above 2^24 lose precision, which no model parameter here relies on).
 */
enum TorchDtype {
    FLOAT32("FloatStorage", "F32", 4),
    FLOAT16("HalfStorage", "F16", 2),
    BFLOAT16("BFloat16Storage", "BF16", 2),
    FLOAT64("DoubleStorage", "F64", 8),
    INT64("LongStorage", "I64", 8),
    INT32("IntStorage", "I32", 4),
    INT16("ShortStorage", "I16", 2),
    INT8("CharStorage", "I8", 1),
    UINT8("ByteStorage", "U8", 1),
    BOOL("BoolStorage", "BOOL", 1);

    private final String storageName;
    private final String safetensorsName;
    private final int size;

    TorchDtype(String storageName, String safetensorsName, int size) {
        this.storageName = storageName;
        this.safetensorsName = safetensorsName;
        this.size = size;
    }

    String storageName() {
        return storageName;
    }

    String safetensorsName() {
        return safetensorsName;
    }

    /** Bytes per element. */
    int size() {
        return size;
    }

    static TorchDtype forStorage(String module, String name) {
        if (!"torch".equals(module)) {
            return null;
        }
        for (TorchDtype d : values()) {
            if (d.storageName.equals(name)) {
                return d;
            }
        }
        return null;
    }

    static TorchDtype forSafetensors(String name) {
        for (TorchDtype d : values()) {
            if (d.safetensorsName.equals(name)) {
                return d;
            }
        }
        return null;
    }

    /** Reads element {@code index} of {@code buf} (whose byte order is already set) as float32. */
    float read(ByteBuffer buf, int index) {
        int at = index * size;
        return switch (this) {
            case FLOAT32 -> buf.getFloat(at);
            case FLOAT16 -> halfToFloat(buf.getShort(at));
            case BFLOAT16 -> Float.intBitsToFloat((buf.getShort(at) & 0xffff) << 16);
            case FLOAT64 -> (float) buf.getDouble(at);
            case INT64 -> (float) buf.getLong(at);
            case INT32 -> (float) buf.getInt(at);
            case INT16 -> buf.getShort(at);
            case INT8 -> buf.get(at);
            case UINT8 -> buf.get(at) & 0xff;
            case BOOL -> buf.get(at) != 0 ? 1f : 0f;
        };
    }

    /** IEEE 754 binary16 to float32, exact (Java 17 has no Float.float16ToFloat). */
    static float halfToFloat(short half) {
        int bits = half & 0xffff;
        int sign = (bits & 0x8000) << 16;
        int exponent = (bits >>> 10) & 0x1f;
        int mantissa = bits & 0x3ff;
        if (exponent == 0x1f) {
            return Float.intBitsToFloat(sign | 0x7f800000 | (mantissa << 13));
        }
        if (exponent == 0) {
            float subnormal = mantissa * 0x1p-24f;
            return sign != 0 ? -subnormal : subnormal;
        }
        return Float.intBitsToFloat(sign | ((exponent + 112) << 23) | (mantissa << 13));
    }
}
