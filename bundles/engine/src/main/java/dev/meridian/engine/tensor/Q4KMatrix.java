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

    /**
     * The 6-bit scale ({@code which = 0}) or min ({@code which = 1}) of sub-block {@code j} (ggml get_scale_min_k4).
     */
    static int scaleMin(MemorySegment data, long scales, int j, int which) {
        if (j < 4) {
            return (data.get(ValueLayout.JAVA_BYTE, scales + j + 4 * which) & 0xFF) & 63;
        }
        int q4 = data.get(ValueLayout.JAVA_BYTE, scales + j + 4) & 0xFF;
        int high = (data.get(ValueLayout.JAVA_BYTE, scales + j - 4 * (1 - which)) & 0xFF) >>> 6;
        return (which == 0 ? q4 & 0xF : q4 >>> 4) | (high << 4);
    }

    /** All eight 6-bit scales and mins of a super-block, from its 12 packed bytes at {@code at}. */
    static void unpackScales(MemorySegment data, long at, int[] scales, int[] mins) {
        int[] q = new int[12];
        for (int i = 0; i < 12; i++) {
            q[i] = data.get(ValueLayout.JAVA_BYTE, at + i) & 0xFF;
        }
        for (int j = 0; j < 4; j++) {
            scales[j] = q[j] & 63;
            mins[j] = q[j + 4] & 63;
            scales[j + 4] = (q[j + 8] & 0xF) | ((q[j] >>> 6) << 4);
            mins[j + 4] = (q[j + 8] >>> 4) | ((q[j + 4] >>> 6) << 4);
        }
    }

    @Override
    public float dot(int row, Activations x) {
        Activations.Q8KBlocks a = (Activations.Q8KBlocks) x;
        long base = row * rowBytes;
        if (Kernels.VECTOR) {
            return VectorKernels.dotQ4K(data, base, a, cols / 256);
        }
        byte[] q = a.q();
        float sum = 0;
        for (int b = 0; b < cols / 256; b++) {
            long block = base + b * (long) BLOCK_BYTES;
            float d = Numbers.f16(data.get(SHORT, block)) * a.d()[b];
            float dmin = Numbers.f16(data.get(SHORT, block + 2)) * a.d()[b];
            long scales = block + 4;
            long qs = block + 16;
            int sumScaled = 0;
            int sumMins = 0;
            for (int j = 0; j < 8; j++) {
                int scale = scaleMin(data, scales, j, 0);
                int min = scaleMin(data, scales, j, 1);
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
        if (Kernels.VECTOR) {
            FloatProduct.dequantizeQ4K(data, row * rowBytes, cols / 256, out);
        } else {
            row(row, out);
        }
    }

    @Override
    public void row(int row, float[] out) {
        long base = row * rowBytes;
        for (int b = 0; b < cols / 256; b++) {
            long block = base + b * (long) BLOCK_BYTES;
            float d = Numbers.f16(data.get(SHORT, block));
            float dmin = Numbers.f16(data.get(SHORT, block + 2));
            long scales = block + 4;
            long qs = block + 16;
            for (int j = 0; j < 8; j++) {
                float scale = d * scaleMin(data, scales, j, 0);
                float min = dmin * scaleMin(data, scales, j, 1);
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
