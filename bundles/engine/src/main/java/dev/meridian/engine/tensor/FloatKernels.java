package dev.meridian.engine.tensor;

import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * Float kernels on the Vector API besides the matrix products: the activation quantizers' rounding, and the
 * attention's and SwiGLU's arithmetic. Loaded only when {@link Kernels#VECTOR} says the Vector API is there.
 */
final class FloatKernels {
    private static final boolean WIDE = FloatVector.SPECIES_PREFERRED.vectorBitSize() >= 512;
    private static final boolean NARROW = VectorKernels.NARROW;
    private static final VectorSpecies<Float> F = WIDE ? FloatVector.SPECIES_512
            : NARROW ? FloatVector.SPECIES_128 : FloatVector.SPECIES_256;
    /** At most 256 bits: an attention head (64 or 128 values) is a few steps. */
    private static final VectorSpecies<Float> F256 = NARROW ? FloatVector.SPECIES_128 : FloatVector.SPECIES_256;
    private static final VectorSpecies<Integer> IF = WIDE ? IntVector.SPECIES_512 : IntVector.SPECIES_256;
    private static final VectorSpecies<Short> SF = WIDE ? ShortVector.SPECIES_256 : ShortVector.SPECIES_128;
    private static final VectorSpecies<Byte> BF = WIDE ? ByteVector.SPECIES_128 : ByteVector.SPECIES_64;
    /** Added and subtracted, rounds a float below 2^22 in magnitude to an integer, ties to even (as Math.rint). */
    private static final float ROUNDING = 12582912f; // 1.5 * 2^23

    private FloatKernels() {
    }

    /** Float steps of at most 256 bits for the attention: a head (64 or 128 values) is a few of them. */
    static float dot(float[] a, int aFrom, float[] b, int bFrom, int n) {
        FloatVector acc = FloatVector.zero(F256);
        int i = 0;
        for (; i + F256.length() <= n; i += F256.length()) {
            acc = FloatVector.fromArray(F256, a, aFrom + i).fma(FloatVector.fromArray(F256, b, bFrom + i), acc);
        }
        float sum = acc.reduceLanes(VectorOperators.ADD);
        for (; i < n; i++) {
            sum += a[aFrom + i] * b[bFrom + i];
        }
        return sum;
    }

    static double exponentials(float[] scores, int n, float max) {
        double sum = 0;
        int i = 0;
        for (; i + F.length() <= n; i += F.length()) {
            FloatVector e = FloatVector.fromArray(F, scores, i).sub(max).lanewise(VectorOperators.EXP);
            e.intoArray(scores, i);
            sum += e.reduceLanes(VectorOperators.ADD);
        }
        for (; i < n; i++) {
            float e = (float) Math.exp(scores[i] - max);
            scores[i] = e;
            sum += e;
        }
        return sum;
    }

    static void swiglu(float[] gate, float[] up, int from, int to) {
        int i = from;
        for (; i + F.length() <= to; i += F.length()) {
            FloatVector g = FloatVector.fromArray(F, gate, i);
            g.div(g.neg().lanewise(VectorOperators.EXP).add(1f)).mul(FloatVector.fromArray(F, up, i))
                    .intoArray(gate, i);
        }
        for (; i < to; i++) {
            float g = gate[i];
            gate[i] = g / (1f + (float) Math.exp(-g)) * up[i];
        }
    }

    static void addScaled(float w, float[] x, int xFrom, float[] y, int yFrom, int n) {
        int i = 0;
        for (; i + F256.length() <= n; i += F256.length()) {
            FloatVector.fromArray(F256, x, xFrom + i)
                    .fma(FloatVector.broadcast(F256, w), FloatVector.fromArray(F256, y, yFrom + i))
                    .intoArray(y, yFrom + i);
        }
        for (; i < n; i++) {
            y[yFrom + i] += w * x[xFrom + i];
        }
    }

    /**
     * Values {@code from..from+count} of {@code x} times {@code inverse}, rounded to integers (ties to even), at most
     * {@code limit}: written as bytes to {@code q}, as shorts to {@code wide} and times {@code d} to
     * {@code dequantized}. The same results as the scalar quantizers in {@link Numbers}.
     */
    static void quantize(float[] x, int from, int count, float inverse, int limit, float d, byte[] q, short[] wide,
            float[] dequantized) {
        if (NARROW) {
            // no 4-byte vector to store four lanes into; the same float operations, one value at a time
            for (int i = from; i < from + count; i++) {
                float rounded = Math.min(x[i] * inverse + ROUNDING - ROUNDING, (float) limit);
                q[i] = (byte) (int) rounded;
                wide[i] = (short) (int) rounded;
                dequantized[i] = rounded * d;
            }
            return;
        }
        for (int i = from; i < from + count; i += F.length()) {
            FloatVector rounded = FloatVector.fromArray(F, x, i).mul(inverse).add(ROUNDING).sub(ROUNDING)
                    .min((float) limit);
            IntVector v = (IntVector) rounded.convertShape(VectorOperators.F2I, IF, 0);
            ((ByteVector) v.convertShape(VectorOperators.I2B, BF, 0)).intoArray(q, i);
            ((ShortVector) v.convertShape(VectorOperators.I2S, SF, 0)).intoArray(wide, i);
            rounded.mul(d).intoArray(dequantized, i);
        }
    }

    /** The largest magnitude among {@code x[from..from+count)}. */
    static float maxMagnitude(float[] x, int from, int count) {
        FloatVector max = FloatVector.zero(F);
        for (int i = from; i < from + count; i += F.length()) {
            max = max.max(FloatVector.fromArray(F, x, i).abs());
        }
        return max.reduceLanes(VectorOperators.MAX);
    }
}
