package dev.meridian.engine.tensor;

/**
 * An activation vector prepared for one weight type's dot product, as llama.cpp prepares it: plain floats for F32
 * weights, floats rounded to F16/BF16 for those weights, 8-bit blocks of 32 with an F16 scale ({@code Q8_0}) beside
 * Q4_0/Q8_0 weights, and 8-bit blocks of 256 with a float scale and 16-element sums ({@code Q8_K}) beside K-quants.
 * Matching that numerics is what makes greedy decoding agree with llama.cpp except at near-ties.
 */
public sealed interface Activations {

    record Floats(float[] values) implements Activations {
    }

    /**
     * Q8_0: {@code q[32 * b + i]} with scale {@code d[b]} (an F16 value); {@code wide} holds the same values as
     * shorts, converted once here rather than once per weight row, and {@code dequantized} the values
     * {@code q[i] * d[i / 32]} the batched (prompt) products take.
     */
    record Q8Blocks(byte[] q, float[] d, short[] wide, float[] dequantized, short[] nibbleMix, short[] nibbleOffset)
            implements Activations {
        Q8Blocks(byte[] q, float[] d, short[] wide, float[] dequantized) {
            this(q, d, wide, dequantized, null, null);
        }

        /**
         * With what the Q4_0 kernel takes besides, per block of 32 and lane {@code i < 16}:
         * {@code nibbleMix = x[i + 16] - 16 x[i]}, so that {@code p x[i] + (p >> 4) nibbleMix = lo x[i] + hi x[i + 16]}
         * for a packed byte {@code p = lo + 16 hi}; and {@code nibbleOffset = -8 (x[i] + x[i + 16])} for the nibbles'
         * offset of 8.
         */
        Q8Blocks withNibbleMix() {
            short[] mix = new short[q.length / 2];
            short[] offset = new short[q.length / 2];
            for (int b = 0; b < d.length; b++) {
                for (int i = 0; i < 16; i++) {
                    int x0 = q[32 * b + i];
                    int x1 = q[32 * b + 16 + i];
                    mix[16 * b + i] = (short) (x1 - 16 * x0);
                    offset[16 * b + i] = (short) (-8 * (x0 + x1));
                }
            }
            return new Q8Blocks(q, d, wide, dequantized, mix, offset);
        }
    }

    /**
     * Q8_1, beside Q4_1 and Q5_1 weights: the Q8_0 blocks and, per block, {@code s[b]} = the block's scale times the
     * sum of its 32 values, rounded to F16 as ggml stores it (the weights' minimum multiplies it).
     */
    record Q8_1Blocks(Q8Blocks blocks, float[] s) implements Activations {
    }

    /**
     * Q8_K: {@code q[256 * b + i]} with scale {@code d[b]}, {@code sums[16 * b + g]} of each 16 values and
     * {@code sums32[8 * b + j]} of each 32, and the same {@code wide} and {@code dequantized} forms as
     * {@link Q8Blocks}.
     */
    record Q8KBlocks(byte[] q, float[] d, int[] sums, int[] sums32, short[] wide, float[] dequantized)
            implements Activations {
    }
}
