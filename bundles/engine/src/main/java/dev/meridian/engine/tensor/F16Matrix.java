package dev.meridian.engine.tensor;

import java.lang.foreign.MemorySegment;

/**
 * 16-bit float weights, F16 or BF16: activations rounded to the same format, products summed in float
 * (ggml_vec_dot_f16 / ggml_vec_dot_bf16).
 */
public final class F16Matrix extends WeightMatrix {
    private final boolean brain;

    F16Matrix(MemorySegment data, int rows, int cols, long rowBytes, boolean brain) {
        super(data, rows, cols, rowBytes);
        this.brain = brain;
    }

    private float value(long offset) {
        short bits = data.get(SHORT, offset);
        return brain ? Numbers.bf16(bits) : Numbers.f16(bits);
    }

    @Override
    public Activations prepare(float[] x) {
        checkShape(x);
        float[] rounded = new float[x.length];
        for (int i = 0; i < x.length; i++) {
            rounded[i] = brain ? Numbers.roundBf16(x[i]) : Numbers.roundF16(x[i]);
        }
        return new Activations.Floats(rounded);
    }

    @Override
    public float dot(int row, Activations x) {
        return referenceDot(row, x);
    }

    @Override
    float referenceDot(int row, Activations x) {
        float[] v = ((Activations.Floats) x).values();
        long base = row * rowBytes;
        float sum = 0;
        for (int i = 0; i < cols; i++) {
            sum += value(base + i * 2L) * v[i];
        }
        return sum;
    }

    @Override
    public void row(int row, float[] out) {
        long base = row * rowBytes;
        for (int i = 0; i < cols; i++) {
            out[i] = value(base + i * 2L);
        }
    }
}
