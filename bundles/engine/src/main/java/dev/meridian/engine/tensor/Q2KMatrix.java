package dev.meridian.engine.tensor;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * Q2_K weights: super-blocks of 256 values (84 bytes): 16 bytes of scales, one per 16 values (4-bit scale in the
 * low nibble, 4-bit min in the high one), 64 bytes of 2-bit values, F16 {@code d}, F16 {@code dmin}; value =
 * d * scale * q - dmin * min. Value {@code 128 n + 32 j + l} is bits {@code 2j..2j+1} of byte {@code 32 n + l}.
 * Integer dot with Q8_K activations, the mins against the activations' sums of 16.
 */
public final class Q2KMatrix extends WeightMatrix {
    static final int BLOCK_BYTES = 84;

    Q2KMatrix(MemorySegment data, int rows, int cols, long rowBytes) {
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
            return LowBitKernels.dotQ2K(data, base, a, cols / 256);
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
            int scaled = 0;
            int mins = 0;
            for (int g = 0; g < 16; g++) {
                int packed = data.get(ValueLayout.JAVA_BYTE, block + g) & 0xFF;
                mins += (packed >>> 4) * a.sums()[b * 16 + g];
                int at = g / 8 * 128 + g % 8 / 2 * 32 + g % 2 * 16;
                int shift = g % 8 / 2 * 2;
                int isum = 0;
                for (int l = 0; l < 16; l++) {
                    int v = data.get(ValueLayout.JAVA_BYTE, block + 16 + g / 8 * 32 + g % 2 * 16 + l) >>> shift & 3;
                    isum += v * q[b * 256 + at + l];
                }
                scaled += (packed & 0xF) * isum;
            }
            float d = Numbers.f16(data.get(SHORT, block + 80)) * a.d()[b];
            float dmin = Numbers.f16(data.get(SHORT, block + 82)) * a.d()[b];
            sum += d * scaled - dmin * mins;
        }
        return sum;
    }

    @Override
    protected void dequantize(int row, float[] out) {
        LowBitKernels.dequantizeQ2K(data, row * rowBytes, cols / 256, out);
    }

    @Override
    protected boolean dequantizesAtEveryWidth() {
        return true;
    }

    @Override
    public void row(int row, float[] out) {
        long base = row * rowBytes;
        for (int b = 0; b < cols / 256; b++) {
            long block = base + b * (long) BLOCK_BYTES;
            float d = Numbers.f16(data.get(SHORT, block + 80));
            float dmin = Numbers.f16(data.get(SHORT, block + 82));
            for (int g = 0; g < 16; g++) {
                int packed = data.get(ValueLayout.JAVA_BYTE, block + g) & 0xFF;
                float scale = d * (packed & 0xF);
                float min = dmin * (packed >>> 4);
                int at = g / 8 * 128 + g % 8 / 2 * 32 + g % 2 * 16;
                int shift = g % 8 / 2 * 2;
                for (int l = 0; l < 16; l++) {
                    int v = data.get(ValueLayout.JAVA_BYTE, block + 16 + g / 8 * 32 + g % 2 * 16 + l) >>> shift & 3;
                    out[b * 256 + at + l] = scale * v - min;
                }
            }
        }
    }
}
