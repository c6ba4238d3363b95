package dev.meridian.engine.tensor;

import java.lang.foreign.MemorySegment;

/** F32 weights: plain float dot products. */
public final class F32Matrix extends WeightMatrix {
    F32Matrix(MemorySegment data, int rows, int cols, long rowBytes) {
        super(data, rows, cols, rowBytes);
    }

    @Override
    public Activations prepare(float[] x) {
        checkShape(x);
        return new Activations.Floats(x);
    }

    @Override
    public float dot(int row, Activations x) {
        float[] v = ((Activations.Floats) x).values();
        long base = row * rowBytes;
        if (Kernels.VECTOR) {
            return FloatKernels.dot(data, base, v, cols);
        }
        return referenceDot(row, x);
    }

    @Override
    float referenceDot(int row, Activations x) {
        return FloatOrder.dot(data, row * rowBytes, ((Activations.Floats) x).values(), cols);
    }

    @Override
    public void row(int row, float[] out) {
        long base = row * rowBytes;
        for (int i = 0; i < cols; i++) {
            out[i] = data.get(FLOAT, base + i * 4L);
        }
    }
}
