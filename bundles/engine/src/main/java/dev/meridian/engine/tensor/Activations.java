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
     * Q8_0: {@code q[32 * b + i]} with scale {@code d[b]} (an F16 value); {@code wide} and {@code floats} hold the
     * same values as shorts and floats, converted once here rather than once per weight row.
     */
    record Q8Blocks(byte[] q, float[] d, short[] wide, float[] floats) implements Activations {
        Q8Blocks(byte[] q, float[] d) {
            this(q, d, widen(q), toFloats(q));
        }
    }

    private static float[] toFloats(byte[] q) {
        float[] floats = new float[q.length];
        for (int i = 0; i < q.length; i++) {
            floats[i] = q[i];
        }
        return floats;
    }

    /** Q8_K: {@code q[256 * b + i]} with scale {@code d[b]}, and {@code sums[16 * b + g]} of each 16 values. */
    record Q8KBlocks(byte[] q, float[] d, int[] sums, short[] wide) implements Activations {
        Q8KBlocks(byte[] q, float[] d, int[] sums) {
            this(q, d, sums, widen(q));
        }
    }

    private static short[] widen(byte[] q) {
        short[] wide = new short[q.length];
        for (int i = 0; i < q.length; i++) {
            wide[i] = q[i];
        }
        return wide;
    }
}
