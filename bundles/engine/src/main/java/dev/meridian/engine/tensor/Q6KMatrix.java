package dev.meridian.engine.tensor;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * Q6_K weights: super-blocks of 256 values (210 bytes): 128 bytes of low nibbles, 64 bytes of high 2-bit pairs,
 * 16 int8 scales (one per 16 values), F16 {@code d}; value = d * scale * (q - 32). Integer dot with Q8_K activations.
 */
public final class Q6KMatrix extends WeightMatrix {
    static final int BLOCK_BYTES = 210;

    Q6KMatrix(MemorySegment data, int rows, int cols, long rowBytes) {
        super(data, rows, cols, rowBytes);
    }

    @Override
    public Activations prepare(float[] x) {
        checkShape(x);
        return Numbers.q8_K(x);
    }

    /** The 256 quantized values (-32..31) of super-block {@code block}, in order. */
    private void unpack(long block, int[] out) {
        long ql = block;
        long qh = block + 128;
        for (int half = 0; half < 2; half++) {
            for (int l = 0; l < 32; l++) {
                int low0 = data.get(ValueLayout.JAVA_BYTE, ql + l) & 0xFF;
                int low1 = data.get(ValueLayout.JAVA_BYTE, ql + l + 32) & 0xFF;
                int high = data.get(ValueLayout.JAVA_BYTE, qh + l) & 0xFF;
                out[half * 128 + l] = ((low0 & 0xF) | ((high & 3) << 4)) - 32;
                out[half * 128 + l + 32] = ((low1 & 0xF) | (((high >>> 2) & 3) << 4)) - 32;
                out[half * 128 + l + 64] = ((low0 >>> 4) | (((high >>> 4) & 3) << 4)) - 32;
                out[half * 128 + l + 96] = ((low1 >>> 4) | (((high >>> 6) & 3) << 4)) - 32;
            }
            ql += 64;
            qh += 32;
        }
    }

    @Override
    public float dot(int row, Activations x) {
        Activations.Q8KBlocks a = (Activations.Q8KBlocks) x;
        long base = row * rowBytes;
        if (Kernels.VECTOR) {
            return VectorKernels.dotQ6K(data, base, a, cols / 256);
        }
        return referenceDot(row, x);
    }

    @Override
    float referenceDot(int row, Activations x) {
        Activations.Q8KBlocks a = (Activations.Q8KBlocks) x;
        long base = row * rowBytes;
        byte[] q = a.q();
        int[] values = new int[256];
        float sum = 0;
        for (int b = 0; b < cols / 256; b++) {
            long block = base + b * (long) BLOCK_BYTES;
            unpack(block, values);
            long scales = block + 192;
            int isum = 0;
            for (int g = 0; g < 16; g++) {
                int scale = data.get(ValueLayout.JAVA_BYTE, scales + g);
                int group = 0;
                for (int i = 0; i < 16; i++) {
                    group += values[g * 16 + i] * q[b * 256 + g * 16 + i];
                }
                isum += scale * group;
            }
            sum += Numbers.f16(data.get(SHORT, block + 208)) * a.d()[b] * isum;
        }
        return sum;
    }

    @Override
    protected void dequantize(int row, float[] out) {
        FloatProduct.dequantizeQ6K(data, row * rowBytes, cols / 256, out);
    }

    @Override
    public void row(int row, float[] out) {
        long base = row * rowBytes;
        int[] values = new int[256];
        for (int b = 0; b < cols / 256; b++) {
            long block = base + b * (long) BLOCK_BYTES;
            unpack(block, values);
            float d = Numbers.f16(data.get(SHORT, block + 208));
            for (int i = 0; i < 256; i++) {
                out[b * 256 + i] = d * data.get(ValueLayout.JAVA_BYTE, block + 192 + i / 16) * values[i];
            }
        }
    }
}
