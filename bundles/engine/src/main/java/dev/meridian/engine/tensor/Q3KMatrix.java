package dev.meridian.engine.tensor;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/**
 * Q3_K weights: super-blocks of 256 values (110 bytes): 32 bytes of high bits, 64 bytes of low 2-bit pairs, 12 bytes
 * of sixteen 6-bit scales, F16 {@code d}; value = d * (scale - 32) * q with q in -4..3. Value {@code 128 n + 32 j + l}
 * has its low bits at bits {@code 2j..2j+1} of byte {@code 32 n + l} (as Q2_K) and is q = low - 4 where bit
 * {@code 4n + j} of high byte {@code l} is clear, q = low where it is set. Integer dot with Q8_K activations.
 */
public final class Q3KMatrix extends WeightMatrix {
    static final int BLOCK_BYTES = 110;
    private static final ValueLayout.OfLong LONG = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfInt INT = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    Q3KMatrix(MemorySegment data, int rows, int cols, long rowBytes) {
        super(data, rows, cols, rowBytes);
    }

    @Override
    public Activations prepare(float[] x) {
        checkShape(x);
        return Numbers.q8_K(x);
    }

    /**
     * The sixteen scales (-32..31) of the super-block at {@code block}: scale {@code g} has its low 4 bits in byte
     * {@code g % 8} (low nibble for g < 8, high nibble after), its high 2 bits at bits {@code 2 (g / 4)} of byte
     * {@code 8 + g % 4}.
     */
    static void scales(MemorySegment data, long block, int[] out) {
        long lows = data.get(LONG, block + 96);
        int highs = data.get(INT, block + 104);
        for (int g = 0; g < 16; g++) {
            out[g] = scale(lows, highs, g);
        }
    }

    /** Scale {@code g} of the twelve scale bytes read as a long ({@code lows}, bytes 0-7) and an int (8-11). */
    static int scale(long lows, int highs, int g) {
        int low = (int) (lows >>> (8 * (g % 8) + 4 * (g / 8))) & 0xF;
        int high = highs >>> (8 * (g % 4) + 2 * (g / 4)) & 3;
        return (low | high << 4) - 32;
    }

    /**
     * Scales 0-7 ({@code upper} false) or 8-15 as eight bytes of one long, each scale plus 32 (0..63), unpacked all at
     * once: scale {@code g} is {@code (packed >>> 8 (g % 8) & 0xFF) - 32}, the same as {@link #scale}.
     */
    static long packedScales(long lows, int highs, boolean upper) {
        long low = (upper ? lows >>> 4 : lows) & 0x0F0F0F0F0F0F0F0FL;
        int shifted = upper ? highs >>> 4 : highs;
        long high = (shifted & 0x03030303L) | (long) (shifted >>> 2 & 0x03030303) << 32;
        return low | high << 4;
    }

    /** Value {@code i} (0..255) of the super-block at {@code block}, -4..3. */
    private int value(long block, int i) {
        int n = i / 128;
        int j = i % 128 / 32;
        int l = i % 32;
        int low = data.get(ValueLayout.JAVA_BYTE, block + 32 + n * 32 + l) >>> (2 * j) & 3;
        int high = data.get(ValueLayout.JAVA_BYTE, block + l) >>> (4 * n + j) & 1;
        return low - (high == 0 ? 4 : 0);
    }

    @Override
    public float dot(int row, Activations x) {
        Activations.Q8KBlocks a = (Activations.Q8KBlocks) x;
        long base = row * rowBytes;
        if (Kernels.VECTOR) {
            return LowBitKernels.dotQ3K(data, base, a, cols / 256);
        }
        return referenceDot(row, x);
    }

    @Override
    float referenceDot(int row, Activations x) {
        Activations.Q8KBlocks a = (Activations.Q8KBlocks) x;
        long base = row * rowBytes;
        byte[] q = a.q();
        int[] scales = new int[16];
        float sum = 0;
        for (int b = 0; b < cols / 256; b++) {
            long block = base + b * (long) BLOCK_BYTES;
            scales(data, block, scales);
            int total = 0;
            for (int g = 0; g < 16; g++) {
                int isum = 0;
                for (int i = g * 16; i < g * 16 + 16; i++) {
                    isum += value(block, i) * q[b * 256 + i];
                }
                total += scales[g] * isum;
            }
            sum += Numbers.f16(data.get(SHORT, block + 108)) * a.d()[b] * total;
        }
        return sum;
    }

    @Override
    protected void dequantize(int row, float[] out) {
        LowBitKernels.dequantizeQ3K(data, row * rowBytes, cols / 256, out);
    }

    @Override
    protected boolean dequantizesAtEveryWidth() {
        return true;
    }

    @Override
    public void row(int row, float[] out) {
        long base = row * rowBytes;
        int[] scales = new int[16];
        for (int b = 0; b < cols / 256; b++) {
            long block = base + b * (long) BLOCK_BYTES;
            scales(data, block, scales);
            float d = Numbers.f16(data.get(SHORT, block + 108));
            for (int i = 0; i < 256; i++) {
                out[b * 256 + i] = d * scales[i / 16] * value(block, i);
            }
        }
    }
}
