package dev.meridian.engine.tensor;

import java.lang.foreign.MemorySegment;

/**
 * The one order of float arithmetic that every width and the scalar code follow, so that a model's float work gives
 * the same bits on 512-, 256- and 128-bit vectors and without the Vector API.
 *
 * <p>A sum of products runs in eight lanes: element {@code i} (of those below the last multiple of eight) goes into
 * lane {@code i mod 8} by fused multiply-add, the lanes combine as {@code ((l0 + l1) + (l2 + l3)) + ((l4 + l5) +
 * (l6 + l7))}, and the elements past the last multiple of eight follow in order, fused. The exponential is
 * {@link #exp}: a polynomial of basic operations, the same in every lane, rather than the platform's {@code exp},
 * which differs between its vector and scalar forms. This class holds the scalar forms; {@link FloatKernels} the
 * vector ones, operation for operation.
 */
final class FloatOrder {
    /** Lanes of a sum of products. */
    static final int LANES = 8;
    /** exp's input range: below, 2^k would be subnormal; above, infinite. */
    static final float EXP_MIN = -87.33f;
    static final float EXP_MAX = 88.0f;
    static final float LOG2E = 1.44269504088896341f;
    /** ln 2 in two parts (Cody and Waite): k ln 2 subtracted exactly for the k that occur here. */
    static final float LN2_HIGH = 0.693359375f;
    static final float LN2_LOW = -2.12194440e-4f;
    /** Added and subtracted, rounds a float below 2^22 in magnitude to an integer, ties to even (as Math.rint). */
    static final float ROUNDING = 12582912f; // 1.5 * 2^23
    /** exp(r) for |r| <= ln 2 / 2: Taylor to r^7 (the next term is below 1e-8 relative). */
    static final float C2 = 1f / 2;
    static final float C3 = 1f / 6;
    static final float C4 = 1f / 24;
    static final float C5 = 1f / 120;
    static final float C6 = 1f / 720;
    static final float C7 = 1f / 5040;

    private FloatOrder() {
    }

    /** The eight lanes combined. */
    static float combine(float l0, float l1, float l2, float l3, float l4, float l5, float l6, float l7) {
        return ((l0 + l1) + (l2 + l3)) + ((l4 + l5) + (l6 + l7));
    }

    /** {@code Σ a[aFrom + i] * b[bFrom + i]} for {@code i < n}, in the order above. */
    static float dot(float[] a, int aFrom, float[] b, int bFrom, int n) {
        float[] lanes = new float[LANES];
        int i = 0;
        for (; i + LANES <= n; i += LANES) {
            for (int k = 0; k < LANES; k++) {
                lanes[k] = Math.fma(a[aFrom + i + k], b[bFrom + i + k], lanes[k]);
            }
        }
        float sum = combine(lanes[0], lanes[1], lanes[2], lanes[3], lanes[4], lanes[5], lanes[6], lanes[7]);
        for (; i < n; i++) {
            sum = Math.fma(a[aFrom + i], b[bFrom + i], sum);
        }
        return sum;
    }

    /** {@code Σ weights[i] * x[i]} for {@code i < n}, the weights F32 values in {@code data} from {@code base}. */
    static float dot(MemorySegment data, long base, float[] x, int n) {
        float[] lanes = new float[LANES];
        int i = 0;
        for (; i + LANES <= n; i += LANES) {
            for (int k = 0; k < LANES; k++) {
                lanes[k] = Math.fma(data.get(WeightMatrix.FLOAT, base + (i + k) * 4L), x[i + k], lanes[k]);
            }
        }
        float sum = combine(lanes[0], lanes[1], lanes[2], lanes[3], lanes[4], lanes[5], lanes[6], lanes[7]);
        for (; i < n; i++) {
            sum = Math.fma(data.get(WeightMatrix.FLOAT, base + i * 4L), x[i], sum);
        }
        return sum;
    }

    /**
     * e^x within about one unit in the last place for {@code EXP_MIN <= x <= EXP_MAX}, and for inputs outside
     * that range the value at its nearer end (0 and infinity are never needed here: softmax takes x <= 0, SiLU
     * divides by 1 + e^-x).
     */
    static float exp(float x) {
        float v = Math.min(Math.max(x, EXP_MIN), EXP_MAX);
        float k = v * LOG2E + ROUNDING - ROUNDING;
        float r = Math.fma(k, -LN2_HIGH, v);
        r = Math.fma(k, -LN2_LOW, r);
        float p = Math.fma(C7, r, C6);
        p = Math.fma(p, r, C5);
        p = Math.fma(p, r, C4);
        p = Math.fma(p, r, C3);
        p = Math.fma(p, r, C2);
        p = Math.fma(p, r, 1f);
        p = Math.fma(p, r, 1f);
        return p * Float.intBitsToFloat(((int) k + 127) << 23);
    }
}
