package dev.meridian.engine.tensor;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * Q4_1 weights: blocks of 32 values as an F16 scale {@code d}, an F16 minimum {@code m} and 16 bytes of nibbles laid
 * out as Q4_0's; value {@code d q + m} for a nibble {@code q} (no offset). SmolLM2's Q4_1 files hold it. Integer dot
 * with Q8_1 activations, as ggml: {@code d dx sum(q x) + m s} per block.
 */
public final class Q4_1Matrix extends WeightMatrix {
    static final int BLOCK_BYTES = 20;

    Q4_1Matrix(MemorySegment data, int rows, int cols, long rowBytes) {
        super(data, rows, cols, rowBytes);
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
            return VectorKernels.dotWithMinimum(data, base, a, cols / 32, false);
        }
        float sum = 0;
        byte[] q = a.blocks().q();
        for (int b = 0; b < cols / 32; b++) {
            long block = base + b * (long) BLOCK_BYTES;
            int isum = 0;
            for (int i = 0; i < 16; i++) {
                int packed = data.get(ValueLayout.JAVA_BYTE, block + 4 + i) & 0xFF;
                isum += (packed & 0xF) * q[b * 32 + i] + (packed >>> 4) * q[b * 32 + i + 16];
            }
            sum += isum * (Numbers.f16(data.get(SHORT, block)) * a.blocks().d()[b])
                    + Numbers.f16(data.get(SHORT, block + 2)) * a.s()[b];
        }
        return sum;
    }

    @Override
    protected void dequantize(int row, float[] out) {
        FloatProduct.dequantizeWithMinimum(data, row * rowBytes, cols / 32, out, false);
    }

    @Override
    public void row(int row, float[] out) {
        long base = row * rowBytes;
        for (int b = 0; b < cols / 32; b++) {
            long block = base + b * (long) BLOCK_BYTES;
            float d = Numbers.f16(data.get(SHORT, block));
            float m = Numbers.f16(data.get(SHORT, block + 2));
            for (int i = 0; i < 16; i++) {
                int packed = data.get(ValueLayout.JAVA_BYTE, block + 4 + i) & 0xFF;
                out[b * 32 + i] = (packed & 0xF) * d + m;
                out[b * 32 + i + 16] = (packed >>> 4) * d + m;
            }
        }
    }
}
