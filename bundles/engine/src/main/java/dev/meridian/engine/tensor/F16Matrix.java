package dev.meridian.engine.tensor;

import java.lang.foreign.MemorySegment;

/** F16 weights: activations rounded to F16, products summed in float (ggml_vec_dot_f16). */
public final class F16Matrix extends WeightMatrix {
    F16Matrix(MemorySegment data, int rows, int cols, long rowBytes) {
        super(data, rows, cols, rowBytes);
    }

    @Override
    public Activations prepare(float[] x) {
        checkShape(x);
        float[] rounded = new float[x.length];
        for (int i = 0; i < x.length; i++) {
            rounded[i] = Numbers.roundF16(x[i]);
        }
        return new Activations.Floats(rounded);
    }

    @Override
    public float dot(int row, Activations x) {
        float[] v = ((Activations.Floats) x).values();
        long base = row * rowBytes;
        float sum = 0;
        for (int i = 0; i < cols; i++) {
            sum += Numbers.f16(data.get(SHORT, base + i * 2L)) * v[i];
        }
        return sum;
    }

    @Override
    public void row(int row, float[] out) {
        long base = row * rowBytes;
        for (int i = 0; i < cols; i++) {
            out[i] = Numbers.f16(data.get(SHORT, base + i * 2L));
        }
    }
}
