package dev.meridian.engine.tensor;

/**
 * Float vector arithmetic for the attention over the cache (dot products of a query with each key, sums of values
 * weighted by attention) and SwiGLU, on the Vector API where {@link Kernels#VECTOR} says it runs, else in plain
 * loops: in {@link FloatOrder}'s order either way, so the results are the same bits at every width.
 */
public final class Vectors {
    private Vectors() {
    }

    /** {@code Σ a[aFrom + i] * b[bFrom + i]} for {@code i < n}. */
    public static float dot(float[] a, int aFrom, float[] b, int bFrom, int n) {
        if (Kernels.VECTOR) {
            return FloatKernels.dot(a, aFrom, b, bFrom, n);
        }
        return FloatOrder.dot(a, aFrom, b, bFrom, n);
    }

    /**
     * Replaces {@code scores[i]} by {@code exp(scores[i] - max)} ({@link FloatOrder#exp}) for {@code i < n} and
     * returns their sum, added in order as doubles (the softmax's numerators and denominator).
     */
    public static double exponentials(float[] scores, int n, float max) {
        if (Kernels.VECTOR) {
            return FloatKernels.exponentials(scores, n, max);
        }
        double sum = 0;
        for (int i = 0; i < n; i++) {
            float e = FloatOrder.exp(scores[i] - max);
            scores[i] = e;
            sum += e;
        }
        return sum;
    }

    /** SwiGLU in place: {@code gate[i] = silu(gate[i]) * up[i]} for {@code from <= i < to}. */
    public static void swiglu(float[] gate, float[] up, int from, int to) {
        if (Kernels.VECTOR) {
            FloatKernels.swiglu(gate, up, from, to);
            return;
        }
        for (int i = from; i < to; i++) {
            float g = gate[i];
            gate[i] = g / (FloatOrder.exp(-g) + 1f) * up[i];
        }
    }

    /** {@code y[yFrom + i] += w * x[xFrom + i]} for {@code i < n}, fused. */
    public static void addScaled(float w, float[] x, int xFrom, float[] y, int yFrom, int n) {
        if (Kernels.VECTOR) {
            FloatKernels.addScaled(w, x, xFrom, y, yFrom, n);
            return;
        }
        for (int i = 0; i < n; i++) {
            y[yFrom + i] = Math.fma(x[xFrom + i], w, y[yFrom + i]);
        }
    }
}
