package dev.meridian.engine.tensor;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * Q4_0 weights: blocks of 32 values as an F16 scale and 16 bytes of nibbles (18 bytes); value {@code i < 16} is the
 * low nibble of byte {@code i}, value {@code i + 16} its high nibble, each minus 8. Integer dot with Q8_0 activations.
 */
public final class Q4_0Matrix extends WeightMatrix {
    static final int BLOCK_BYTES = 18;

    Q4_0Matrix(MemorySegment data, int rows, int cols, long rowBytes) {
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
            return VectorKernels.dotQ4_0(data, base, a, cols / 32);
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
            int isum = 0;
            for (int i = 0; i < 16; i++) {
                int packed = data.get(ValueLayout.JAVA_BYTE, block + 2 + i) & 0xFF;
                isum += ((packed & 0xF) - 8) * q[b * 32 + i] + ((packed >>> 4) - 8) * q[b * 32 + i + 16];
            }
            sum += isum * (Numbers.f16(data.get(SHORT, block)) * a.d()[b]);
        }
        return sum;
    }

    @Override
    protected void dequantize(int row, float[] out) {
        FloatProduct.dequantizeQ4_0(data, row * rowBytes, cols / 32, out);
    }

    @Override
    public void row(int row, float[] out) {
        long base = row * rowBytes;
        for (int b = 0; b < cols / 32; b++) {
            long block = base + b * (long) BLOCK_BYTES;
            float d = Numbers.f16(data.get(SHORT, block));
            for (int i = 0; i < 16; i++) {
                int packed = data.get(ValueLayout.JAVA_BYTE, block + 2 + i) & 0xFF;
                out[b * 32 + i] = ((packed & 0xF) - 8) * d;
                out[b * 32 + i + 16] = ((packed >>> 4) - 8) * d;
            }
        }
    }
}
