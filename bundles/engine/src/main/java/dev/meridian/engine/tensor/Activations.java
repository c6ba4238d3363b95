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
    record Q8Blocks(byte[] q, float[] d, short[] wide, float[] dequantized) implements Activations {
    }

    /**
     * Q8_K: {@code q[256 * b + i]} with scale {@code d[b]}, {@code sums[16 * b + g]} of each 16 values, and the
     * same {@code wide} and {@code dequantized} forms as {@link Q8Blocks}.
     */
    record Q8KBlocks(byte[] q, float[] d, int[] sums, short[] wide, float[] dequantized) implements Activations {
    }
}
