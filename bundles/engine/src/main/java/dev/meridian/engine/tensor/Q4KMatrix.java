package dev.meridian.engine.tensor;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * Q4_K weights: super-blocks of 256 values (144 bytes): F16 {@code d}, F16 {@code dmin}, 12 bytes holding eight
 * 6-bit scales and eight 6-bit mins, then 128 bytes of nibbles; value = d * scale * q - dmin * min. Each 64 values
 * take 32 bytes: the first 32 values are low nibbles, the next 32 high nibbles. Integer dot with Q8_K activations.
 */
public final class Q4KMatrix extends WeightMatrix {
    static final int BLOCK_BYTES = 144;

    Q4KMatrix(MemorySegment data, int rows, int cols, long rowBytes) {
        super(data, rows, cols, rowBytes);
    }

    @Override
    public Activations prepare(float[] x) {
        checkShape(x);
        return Numbers.q8_K(x);
    }

    @Override
    public float dot(int row, Activations x) {
        Activations.Q8KBlocks a = (Activations.Q8KBlocks) x;
        long base = row * rowBytes;
        if (Kernels.VECTOR) {
            return VectorKernels.dotQ4K(data, base, a, cols / 256);
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
            float d = Numbers.f16(data.get(SHORT, block)) * a.d()[b];
            float dmin = Numbers.f16(data.get(SHORT, block + 2)) * a.d()[b];
            long scales = KScales.scales(data, block + 4);
            long mins = KScales.mins(data, block + 4);
            long qs = block + 16;
            int sumScaled = 0;
            int sumMins = 0;
            for (int j = 0; j < 8; j++) {
                int scale = KScales.of(scales, j);
                int min = KScales.of(mins, j);
                int chunk = j / 2;
                boolean high = (j & 1) == 1;
                int isum = 0;
                for (int i = 0; i < 32; i++) {
                    int packed = data.get(ValueLayout.JAVA_BYTE, qs + chunk * 32 + i) & 0xFF;
                    int v = high ? packed >>> 4 : packed & 0xF;
                    isum += v * q[b * 256 + j * 32 + i];
                }
                sumScaled += scale * isum;
                sumMins += min * (a.sums()[b * 16 + 2 * j] + a.sums()[b * 16 + 2 * j + 1]);
            }
            sum += d * sumScaled - dmin * sumMins;
        }
        return sum;
    }

    @Override
    protected void dequantize(int row, float[] out) {
        FloatProduct.dequantizeQ4K(data, row * rowBytes, cols / 256, out);
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
            long qs = block + 16;
            for (int j = 0; j < 8; j++) {
                float scale = d * KScales.of(scales, j);
                float min = dmin * KScales.of(mins, j);
                int chunk = j / 2;
                boolean high = (j & 1) == 1;
                for (int i = 0; i < 32; i++) {
                    int packed = data.get(ValueLayout.JAVA_BYTE, qs + chunk * 32 + i) & 0xFF;
                    int v = high ? packed >>> 4 : packed & 0xF;
                    out[b * 256 + j * 32 + i] = scale * v - min;
                }
            }
        }
    }
}
