package dev.meridian.engine.tensor;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/**
 * Q5_0 weights: blocks of 32 values as an F16 scale, a little-endian int holding the fifth bit of each value (bit
 * {@code i} for value {@code i}), and 16 bytes of low nibbles laid out as Q4_0's; each value minus 16. llama.cpp
 * falls back to Q5_0 for rows that are not whole K-quant blocks, so Q4_K_M files of narrow models (Qwen2.5-0.5B's
 * 896) hold it. Integer dot with Q8_0 activations.
 */
public final class Q5_0Matrix extends WeightMatrix {
    static final int BLOCK_BYTES = 22;
    static final ValueLayout.OfInt INT = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    Q5_0Matrix(MemorySegment data, int rows, int cols, long rowBytes) {
        super(data, rows, cols, rowBytes);
    }

    @Override
    public Activations prepare(float[] x) {
        checkShape(x);
        Activations.Q8Blocks q8 = Numbers.q8_0(x);
        return Kernels.VECTOR ? q8.withNibbleMix() : q8;
    }

    @Override
    public float dot(int row, Activations x) {
        Activations.Q8Blocks a = (Activations.Q8Blocks) x;
        long base = row * rowBytes;
        if (Kernels.VECTOR) {
            return VectorKernels.dotQ5_0(data, base, a, cols / 32);
        }
        return referenceDot(row, x);
    }

    @Override
    float referenceDot(int row, Activations x) {
        Activations.Q8Blocks a = (Activations.Q8Blocks) x;
        long base = row * rowBytes;
        float sum = 0;
        byte[] q = a.q();
        for (int b = 0; b < cols / 32; b++) {
            long block = base + b * (long) BLOCK_BYTES;
            int high = data.get(INT, block + 2);
            int isum = 0;
            for (int i = 0; i < 16; i++) {
                int packed = data.get(ValueLayout.JAVA_BYTE, block + 6 + i) & 0xFF;
                int lo = ((packed & 0xF) | (((high >>> i) & 1) << 4)) - 16;
                int hi = ((packed >>> 4) | (((high >>> (i + 16)) & 1) << 4)) - 16;
                isum += lo * q[b * 32 + i] + hi * q[b * 32 + i + 16];
            }
            sum += isum * (Numbers.f16(data.get(SHORT, block)) * a.d()[b]);
        }
        return sum;
    }

    @Override
    protected void dequantize(int row, float[] out) {
        FloatProduct.dequantizeQ5_0(data, row * rowBytes, cols / 32, out);
    }

    @Override
    public void row(int row, float[] out) {
        long base = row * rowBytes;
        for (int b = 0; b < cols / 32; b++) {
            long block = base + b * (long) BLOCK_BYTES;
            float d = Numbers.f16(data.get(SHORT, block));
            int high = data.get(INT, block + 2);
            for (int i = 0; i < 16; i++) {
                int packed = data.get(ValueLayout.JAVA_BYTE, block + 6 + i) & 0xFF;
                out[b * 32 + i] = (((packed & 0xF) | (((high >>> i) & 1) << 4)) - 16) * d;
                out[b * 32 + i + 16] = (((packed >>> 4) | (((high >>> (i + 16)) & 1) << 4)) - 16) * d;
            }
        }
    }
}
