package dev.meridian.engine.tensor;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/**
 * Q4_1 and Q5_1 weights: blocks of 32 values as an F16 scale {@code d}, an F16 minimum {@code m}, for Q5_1 a
 * little-endian int of fifth bits (bit {@code i} for value {@code i}), then 16 bytes of low nibbles laid out as
 * Q4_0's; value {@code d q + m}. SmolLM2's Q4_1 files, and Q5_K_M files of models whose widths are not whole K-quant
 * blocks, hold them. Integer dot with Q8_1 activations, as ggml: {@code d dx sum(q x) + m s} per block.
 */
public final class MinimumMatrix extends WeightMatrix {
    static final ValueLayout.OfInt INT = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    private final boolean fifthBits;

    /** @param fifthBits Q5_1 rather than Q4_1 */
    MinimumMatrix(MemorySegment data, int rows, int cols, long rowBytes, boolean fifthBits) {
        super(data, rows, cols, rowBytes);
        this.fifthBits = fifthBits;
    }

    /** Bytes of a block: 20 for Q4_1, 24 for Q5_1. */
    static int blockBytes(boolean fifthBits) {
        return fifthBits ? 24 : 20;
    }

    /** Where a block's nibbles start: after the scale, the minimum and (Q5_1) the fifth bits. */
    static int nibbles(boolean fifthBits) {
        return fifthBits ? 8 : 4;
    }

    @Override
    public Activations prepare(float[] x) {
        checkShape(x);
        return Numbers.q8_1(x);
    }

    @Override
    public float dot(int row, Activations x) {
        Activations.Q8_1Blocks a = (Activations.Q8_1Blocks) x;
        long base = row * rowBytes;
        if (Kernels.VECTOR) {
            return VectorKernels.dotWithMinimum(data, base, a, cols / 32, fifthBits);
        }
        return referenceDot(row, x);
    }

    @Override
    float referenceDot(int row, Activations x) {
        Activations.Q8_1Blocks a = (Activations.Q8_1Blocks) x;
        long base = row * rowBytes;
        float sum = 0;
        byte[] q = a.blocks().q();
        int[] values = new int[32];
        for (int b = 0; b < cols / 32; b++) {
            long block = base + b * (long) blockBytes(fifthBits);
            values(block, values);
            int isum = 0;
            for (int i = 0; i < 32; i++) {
                isum += values[i] * q[b * 32 + i];
            }
            sum += isum * (Numbers.f16(data.get(SHORT, block)) * a.blocks().d()[b])
                    + Numbers.f16(data.get(SHORT, block + 2)) * a.s()[b];
        }
        return sum;
    }

    @Override
    protected void dequantize(int row, float[] out) {
        FloatProduct.dequantizeWithMinimum(data, row * rowBytes, cols / 32, out, fifthBits);
    }

    @Override
    public void row(int row, float[] out) {
        long base = row * rowBytes;
        int[] values = new int[32];
        for (int b = 0; b < cols / 32; b++) {
            long block = base + b * (long) blockBytes(fifthBits);
            float d = Numbers.f16(data.get(SHORT, block));
            float m = Numbers.f16(data.get(SHORT, block + 2));
            values(block, values);
            for (int i = 0; i < 32; i++) {
                out[b * 32 + i] = values[i] * d + m;
            }
        }
    }

    /** A block's 32 unsigned values: low nibbles for 0..15, high nibbles for 16..31, and the fifth bits for Q5_1. */
    private void values(long block, int[] values) {
        int high = fifthBits ? data.get(INT, block + 4) : 0;
        for (int i = 0; i < 16; i++) {
            int packed = data.get(ValueLayout.JAVA_BYTE, block + nibbles(fifthBits) + i) & 0xFF;
            values[i] = (packed & 0xF) | (((high >>> i) & 1) << 4);
            values[i + 16] = (packed >>> 4) | (((high >>> (i + 16)) & 1) << 4);
        }
    }
}
