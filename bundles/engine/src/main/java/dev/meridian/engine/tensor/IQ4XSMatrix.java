package dev.meridian.engine.tensor;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * IQ4_XS weights: super-blocks of 256 values (136 bytes): F16 {@code d}, a little-endian short of the scales' high
 * 2 bits (bits {@code 2j, 2j+1} for sub-block j), 4 bytes of their low 4 bits (sub-block j in byte j / 2, low
 * nibble for even j), then per sub-block of 32 the 16 index bytes of {@link IQ4NLMatrix}; value =
 * d * (scale - 32) * LEVELS[index]. Integer dot with Q8_K activations.
 */
public final class IQ4XSMatrix extends WeightMatrix {
    static final int BLOCK_BYTES = 136;

    IQ4XSMatrix(MemorySegment data, int rows, int cols, long rowBytes) {
        super(data, rows, cols, rowBytes);
    }

    @Override
    public Activations prepare(float[] x) {
        checkShape(x);
        return Numbers.q8_K(x);
    }

    /** Sub-block {@code j}'s scale (-32..31) in the super-block at {@code block}. */
    static int scale(MemorySegment data, long block, int j) {
        int high = data.get(SHORT, block + 2) >>> (2 * j) & 3;
        int low = data.get(ValueLayout.JAVA_BYTE, block + 4 + j / 2) >>> (4 * (j % 2)) & 0xF;
        return (low | high << 4) - 32;
    }

    @Override
    public float dot(int row, Activations x) {
        Activations.Q8KBlocks a = (Activations.Q8KBlocks) x;
        long base = row * rowBytes;
        if (Kernels.VECTOR) {
            return LowBitKernels.dotIQ4XS(data, base, a, cols / 256);
        }
        return referenceDot(row, x);
    }

    @Override
    float referenceDot(int row, Activations x) {
        Activations.Q8KBlocks a = (Activations.Q8KBlocks) x;
        long base = row * rowBytes;
        float sum = 0;
        for (int b = 0; b < cols / 256; b++) {
            long block = base + b * (long) BLOCK_BYTES;
            int total = 0;
            for (int j = 0; j < 8; j++) {
                total += scale(data, block, j)
                        * IQ4NLMatrix.blockSum(data, block + 8 + 16 * j, a.q(), b * 256 + 32 * j);
            }
            sum += Numbers.f16(data.get(SHORT, block)) * a.d()[b] * total;
        }
        return sum;
    }

    @Override
    protected void dequantize(int row, float[] out) {
        LowBitKernels.dequantizeIQ4XS(data, row * rowBytes, cols / 256, out);
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
            float d = Numbers.f16(data.get(SHORT, block));
            for (int j = 0; j < 8; j++) {
                IQ4NLMatrix.levels(data, block + 8 + 16 * j, d * scale(data, block, j), out, b * 256 + 32 * j);
            }
        }
    }
}
