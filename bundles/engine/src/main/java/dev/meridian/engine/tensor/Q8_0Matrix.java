package dev.meridian.engine.tensor;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/** Q8_0 weights: blocks of 32 int8 with an F16 scale (34 bytes); integer dot with Q8_0 activations. */
public final class Q8_0Matrix extends WeightMatrix {
    static final int BLOCK_BYTES = 34;

    Q8_0Matrix(MemorySegment data, int rows, int cols, long rowBytes) {
        super(data, rows, cols, rowBytes);
    }

    @Override
    public Activations prepare(float[] x) {
        checkShape(x);
        return Numbers.q8_0(x);
    }

    @Override
    public float dot(int row, Activations x) {
        Activations.Q8Blocks a = (Activations.Q8Blocks) x;
        long base = row * rowBytes;
        if (Kernels.VECTOR) {
            return VectorKernels.dotQ8_0(data, base, a, cols / 32);
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
            for (int i = 0; i < 32; i++) {
                isum += data.get(ValueLayout.JAVA_BYTE, block + 2 + i) * q[b * 32 + i];
            }
            sum += isum * (Numbers.f16(data.get(SHORT, block)) * a.d()[b]);
        }
        return sum;
    }

    @Override
    protected void dequantize(int row, float[] out) {
        FloatProduct.dequantizeQ8_0(data, row * rowBytes, cols / 32, out);
    }

    @Override
    public void row(int row, float[] out) {
        long base = row * rowBytes;
        for (int b = 0; b < cols / 32; b++) {
            long block = base + b * (long) BLOCK_BYTES;
            float d = Numbers.f16(data.get(SHORT, block));
            for (int i = 0; i < 32; i++) {
                out[b * 32 + i] = data.get(ValueLayout.JAVA_BYTE, block + 2 + i) * d;
            }
        }
    }
}
