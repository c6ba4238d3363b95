package dev.meridian.engine.tensor;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * IQ4_NL weights: blocks of 32 values (18 bytes): F16 scale, then 16 bytes of 4-bit indexes into a fixed non-linear
 * table of 8-bit levels ({@link #LEVELS}), laid out as Q4_0's nibbles (low nibbles values 0..15, high ones 16..31);
 * value = d * LEVELS[index]. Integer dot with Q8_0 activations.
 */
public final class IQ4NLMatrix extends WeightMatrix {
    static final int BLOCK_BYTES = 18;
    /** ggml's kvalues_iq4nl: denser near zero, where most weights are. */
    static final byte[] LEVELS = { -127, -104, -83, -65, -49, -35, -22, -10, 1, 13, 25, 38, 53, 69, 89, 113 };

    IQ4NLMatrix(MemorySegment data, int rows, int cols, long rowBytes) {
        super(data, rows, cols, rowBytes);
    }

    /** Level {@code index} (0..15) of the table, for encoders. */
    public static int level(int index) {
        return LEVELS[index];
    }

    @Override
    public Activations prepare(float[] x) {
        checkShape(x);
        return Numbers.q8_0(x);
    }

    /** Σ LEVELS[index] * x over the 32 values of the 16 index bytes at {@code at}, x from {@code q[from]}. */
    static int blockSum(MemorySegment data, long at, byte[] q, int from) {
        int sum = 0;
        for (int i = 0; i < 16; i++) {
            int packed = data.get(ValueLayout.JAVA_BYTE, at + i) & 0xFF;
            sum += LEVELS[packed & 0xF] * q[from + i] + LEVELS[packed >>> 4] * q[from + 16 + i];
        }
        return sum;
    }

    /** The 32 values of the 16 index bytes at {@code at}, times {@code d}, into {@code out[from..]}. */
    static void levels(MemorySegment data, long at, float d, float[] out, int from) {
        for (int i = 0; i < 16; i++) {
            int packed = data.get(ValueLayout.JAVA_BYTE, at + i) & 0xFF;
            out[from + i] = d * LEVELS[packed & 0xF];
            out[from + 16 + i] = d * LEVELS[packed >>> 4];
        }
    }

    @Override
    public float dot(int row, Activations x) {
        Activations.Q8Blocks a = (Activations.Q8Blocks) x;
        long base = row * rowBytes;
        if (Kernels.VECTOR) {
            return LowBitKernels.dotIQ4NL(data, base, a, cols / 32);
        }
        return referenceDot(row, x);
    }

    @Override
    float referenceDot(int row, Activations x) {
        Activations.Q8Blocks a = (Activations.Q8Blocks) x;
        long base = row * rowBytes;
        float sum = 0;
        for (int b = 0; b < cols / 32; b++) {
            long block = base + b * (long) BLOCK_BYTES;
            sum += Numbers.f16(data.get(SHORT, block)) * a.d()[b] * blockSum(data, block + 2, a.q(), b * 32);
        }
        return sum;
    }

    @Override
    protected void dequantize(int row, float[] out) {
        LowBitKernels.dequantizeIQ4NL(data, row * rowBytes, cols / 32, out);
    }

    @Override
    protected boolean dequantizesAtEveryWidth() {
        return true;
    }

    @Override
    public void row(int row, float[] out) {
        long base = row * rowBytes;
        for (int b = 0; b < cols / 32; b++) {
            long block = base + b * (long) BLOCK_BYTES;
            levels(data, block + 2, Numbers.f16(data.get(SHORT, block)), out, b * 32);
        }
    }
}
