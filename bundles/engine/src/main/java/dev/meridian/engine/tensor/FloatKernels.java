package dev.meridian.engine.tensor;

import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;

import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * Float kernels on the Vector API besides the quantized matrix products: the activation quantizers' rounding, the
 * dot products of floats (F32 weights, the attention), softmax's and SwiGLU's exponentials, in {@link FloatOrder}'s
 * order, so that they give the scalar code's bits at every width. Loaded only when {@link Kernels#VECTOR} says the
 * Vector API is there.
 */
final class FloatKernels {
    private static final ByteOrder LE = ByteOrder.LITTLE_ENDIAN;
    private static final boolean WIDE = FloatVector.SPECIES_PREFERRED.vectorBitSize() >= 512;
    private static final boolean NARROW = VectorKernels.NARROW;
    private static final VectorSpecies<Float> F = WIDE ? FloatVector.SPECIES_512
            : NARROW ? FloatVector.SPECIES_128 : FloatVector.SPECIES_256;
    /** At most 256 bits: an attention head (64 or 128 values) is a few steps. */
    private static final VectorSpecies<Float> F256 = NARROW ? FloatVector.SPECIES_128 : FloatVector.SPECIES_256;
    private static final VectorSpecies<Integer> IF = WIDE ? IntVector.SPECIES_512 : IntVector.SPECIES_256;
    private static final VectorSpecies<Short> SF = WIDE ? ShortVector.SPECIES_256 : ShortVector.SPECIES_128;
    private static final VectorSpecies<Byte> BF = WIDE ? ByteVector.SPECIES_128 : ByteVector.SPECIES_64;
    /** The eight lanes of {@link FloatOrder}'s sums: one 256-bit vector, or two of 128 bits. */
    private static final VectorSpecies<Float> EIGHT = FloatVector.SPECIES_256;
    private static final VectorSpecies<Float> FOUR = FloatVector.SPECIES_128;

    private FloatKernels() {
    }

    /** {@link FloatOrder#dot} on the Vector API: eight lanes in one 256-bit vector, or in two of 128 bits. */
    static float dot(float[] a, int aFrom, float[] b, int bFrom, int n) {
        int i = 0;
        float sum;
        if (NARROW) {
            FloatVector low = FloatVector.zero(FOUR);
            FloatVector high = FloatVector.zero(FOUR);
            for (; i + FloatOrder.LANES <= n; i += FloatOrder.LANES) {
                low = FloatVector.fromArray(FOUR, a, aFrom + i).fma(FloatVector.fromArray(FOUR, b, bFrom + i), low);
                high = FloatVector.fromArray(FOUR, a, aFrom + i + 4)
                        .fma(FloatVector.fromArray(FOUR, b, bFrom + i + 4), high);
            }
            sum = FloatOrder.combine(low.lane(0), low.lane(1), low.lane(2), low.lane(3), high.lane(0), high.lane(1),
                    high.lane(2), high.lane(3));
        } else {
            FloatVector acc = FloatVector.zero(EIGHT);
            for (; i + FloatOrder.LANES <= n; i += FloatOrder.LANES) {
                acc = FloatVector.fromArray(EIGHT, a, aFrom + i).fma(FloatVector.fromArray(EIGHT, b, bFrom + i), acc);
            }
            sum = FloatOrder.combine(acc.lane(0), acc.lane(1), acc.lane(2), acc.lane(3), acc.lane(4), acc.lane(5),
                    acc.lane(6), acc.lane(7));
        }
        for (; i < n; i++) {
            sum = Math.fma(a[aFrom + i], b[bFrom + i], sum);
        }
        return sum;
    }

    /** {@link FloatOrder#dot(MemorySegment, long, float[], int)} on the Vector API: F32 weights in the file. */
    static float dot(MemorySegment data, long base, float[] x, int n) {
        int i = 0;
        float sum;
        if (NARROW) {
            FloatVector low = FloatVector.zero(FOUR);
            FloatVector high = FloatVector.zero(FOUR);
            for (; i + FloatOrder.LANES <= n; i += FloatOrder.LANES) {
                low = FloatVector.fromMemorySegment(FOUR, data, base + i * 4L, LE)
                        .fma(FloatVector.fromArray(FOUR, x, i), low);
                high = FloatVector.fromMemorySegment(FOUR, data, base + (i + 4) * 4L, LE)
                        .fma(FloatVector.fromArray(FOUR, x, i + 4), high);
            }
            sum = FloatOrder.combine(low.lane(0), low.lane(1), low.lane(2), low.lane(3), high.lane(0), high.lane(1),
                    high.lane(2), high.lane(3));
        } else {
            FloatVector acc = FloatVector.zero(EIGHT);
            for (; i + FloatOrder.LANES <= n; i += FloatOrder.LANES) {
                acc = FloatVector.fromMemorySegment(EIGHT, data, base + i * 4L, LE)
                        .fma(FloatVector.fromArray(EIGHT, x, i), acc);
            }
            sum = FloatOrder.combine(acc.lane(0), acc.lane(1), acc.lane(2), acc.lane(3), acc.lane(4), acc.lane(5),
                    acc.lane(6), acc.lane(7));
        }
        for (; i < n; i++) {
            sum = Math.fma(data.get(WeightMatrix.FLOAT, base + i * 4L), x[i], sum);
        }
        return sum;
    }

    /** {@link FloatOrder#exp} lane by lane, operation for operation. */
    private static FloatVector exp(FloatVector x) {
        FloatVector v = x.max(FloatOrder.EXP_MIN).min(FloatOrder.EXP_MAX);
        FloatVector k = v.mul(FloatOrder.LOG2E).add(FloatOrder.ROUNDING).sub(FloatOrder.ROUNDING);
        FloatVector r = k.fma(FloatVector.broadcast(x.species(), -FloatOrder.LN2_HIGH), v);
        r = k.fma(FloatVector.broadcast(x.species(), -FloatOrder.LN2_LOW), r);
        FloatVector p = FloatVector.broadcast(x.species(), FloatOrder.C7).fma(r,
                FloatVector.broadcast(x.species(), FloatOrder.C6));
        p = p.fma(r, FloatVector.broadcast(x.species(), FloatOrder.C5));
        p = p.fma(r, FloatVector.broadcast(x.species(), FloatOrder.C4));
        p = p.fma(r, FloatVector.broadcast(x.species(), FloatOrder.C3));
        p = p.fma(r, FloatVector.broadcast(x.species(), FloatOrder.C2));
        p = p.fma(r, FloatVector.broadcast(x.species(), 1f));
        p = p.fma(r, FloatVector.broadcast(x.species(), 1f));
        IntVector bits = ((IntVector) k.convert(VectorOperators.F2I, 0)).add(127).lanewise(VectorOperators.LSHL, 23);
        return p.mul(bits.reinterpretAsFloats());
    }

    /** As {@link Vectors#exponentials}: the exponentials lane by lane, their sum in order as doubles. */
    static double exponentials(float[] scores, int n, float max) {
        int i = 0;
        for (; i + F.length() <= n; i += F.length()) {
            exp(FloatVector.fromArray(F, scores, i).sub(max)).intoArray(scores, i);
        }
        for (; i < n; i++) {
            scores[i] = FloatOrder.exp(scores[i] - max);
        }
        double sum = 0;
        for (int j = 0; j < n; j++) {
            sum += scores[j];
        }
        return sum;
    }

    static void swiglu(float[] gate, float[] up, int from, int to) {
        int i = from;
        for (; i + F.length() <= to; i += F.length()) {
            FloatVector g = FloatVector.fromArray(F, gate, i);
            g.div(exp(g.neg()).add(1f)).mul(FloatVector.fromArray(F, up, i)).intoArray(gate, i);
        }
        for (; i < to; i++) {
            float g = gate[i];
            gate[i] = g / (FloatOrder.exp(-g) + 1f) * up[i];
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
            y[yFrom + i] = Math.fma(x[xFrom + i], w, y[yFrom + i]);
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
                float rounded = Math.min(x[i] * inverse + FloatOrder.ROUNDING - FloatOrder.ROUNDING, (float) limit);
                q[i] = (byte) (int) rounded;
                wide[i] = (short) (int) rounded;
                dequantized[i] = rounded * d;
            }
            return;
        }
        for (int i = from; i < from + count; i += F.length()) {
            FloatVector rounded = FloatVector.fromArray(F, x, i).mul(inverse).add(FloatOrder.ROUNDING)
                    .sub(FloatOrder.ROUNDING)
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
