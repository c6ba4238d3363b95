package dev.meridian.engine.tensor;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * Q5_K weights: super-blocks of 256 values (176 bytes): F16 {@code d}, F16 {@code dmin}, the 12 bytes of scales and
 * mins of {@link Q4KMatrix}, 32 bytes of fifth bits, then 128 bytes of nibbles laid out as Q4_K's. Value {@code i}
 * of 32-value sub-block {@code j} has its fifth bit at bit {@code j} of high byte {@code i}; value =
 * {@code d * scale * q - dmin * min}. Integer dot with Q8_K activations.
 */
public final class Q5KMatrix extends WeightMatrix {
    static final int BLOCK_BYTES = 176;

    Q5KMatrix(MemorySegment data, int rows, int cols, long rowBytes) {
        super(data, rows, cols, rowBytes);
    }

    @Override
    public Activations prepare(float[] x) {
        checkShape(x);
        return Numbers.q8_K(x);
    }

    /** Value {@code i} (0..31) of sub-block {@code j} of the super-block at {@code block}, 0..31. */
    private int value(long block, int j, int i) {
        int packed = data.get(ValueLayout.JAVA_BYTE, block + 48 + (j / 2) * 32 + i) & 0xFF;
        int low = (j & 1) == 0 ? packed & 0xF : packed >>> 4;
        int fifth = (data.get(ValueLayout.JAVA_BYTE, block + 16 + i) >>> j) & 1;
        return low | (fifth << 4);
    }

    @Override
    public float dot(int row, Activations x) {
        Activations.Q8KBlocks a = (Activations.Q8KBlocks) x;
        long base = row * rowBytes;
        if (Kernels.VECTOR) {
            return VectorKernels.dotQ5K(data, base, a, cols / 256);
        }
        return referenceDot(row, x);
    }

    @Override
    float referenceDot(int row, Activations x) {
        Activations.Q8KBlocks a = (Activations.Q8KBlocks) x;
        long base = row * rowBytes;
        byte[] q = a.q();
        float sum = 0;
        for (int b = 0; b < cols / 256; b++) {
            long block = base + b * (long) BLOCK_BYTES;
            long scales = KScales.scales(data, block + 4);
            long mins = KScales.mins(data, block + 4);
            int sumScaled = 0;
            int sumMins = 0;
            for (int j = 0; j < 8; j++) {
                int isum = 0;
                for (int i = 0; i < 32; i++) {
                    isum += value(block, j, i) * q[b * 256 + j * 32 + i];
                }
                sumScaled += KScales.of(scales, j) * isum;
                sumMins += KScales.of(mins, j) * (a.sums()[b * 16 + 2 * j] + a.sums()[b * 16 + 2 * j + 1]);
            }
            sum += Numbers.f16(data.get(SHORT, block)) * a.d()[b] * sumScaled
                    - Numbers.f16(data.get(SHORT, block + 2)) * a.d()[b] * sumMins;
        }
        return sum;
    }

    @Override
    protected void dequantize(int row, float[] out) {
        FloatProduct.dequantizeQ5K(data, row * rowBytes, cols / 256, out);
    }

    @Override
    public void row(int row, float[] out) {
        long base = row * rowBytes;
        for (int b = 0; b < cols / 256; b++) {
            long block = base + b * (long) BLOCK_BYTES;
            float d = Numbers.f16(data.get(SHORT, block));
            float dmin = Numbers.f16(data.get(SHORT, block + 2));
            long scales = KScales.scales(data, block + 4);
            long mins = KScales.mins(data, block + 4);
            for (int j = 0; j < 8; j++) {
                float scale = d * KScales.of(scales, j);
                float min = dmin * KScales.of(mins, j);
                for (int i = 0; i < 32; i++) {
                    out[b * 256 + j * 32 + i] = scale * value(block, j, i) - min;
                }
            }
        }
    }
}
