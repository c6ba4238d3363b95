package dev.meridian.engine.tensor;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

import dev.meridian.engine.EngineException;
import dev.meridian.engine.gguf.TensorInfo;

/**
 * A 2-D weight tensor in its stored type, read in place from the mapped file: {@code rows} rows of {@code cols}
 * values. Dot products take activations prepared by {@link #prepare(float[])} in the numerics llama.cpp uses for
 * that type. Thread-safe (read-only).
 */
public abstract sealed class WeightMatrix permits F32Matrix, F16Matrix, Q8_0Matrix, Q4_0Matrix,
        Q4KMatrix, Q6KMatrix {
    static final ValueLayout.OfShort SHORT = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    static final ValueLayout.OfFloat FLOAT = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    protected final MemorySegment data;
    protected final int rows;
    protected final int cols;
    protected final long rowBytes;

    protected WeightMatrix(MemorySegment data, int rows, int cols, long rowBytes) {
        this.data = data;
        this.rows = rows;
        this.cols = cols;
        this.rowBytes = rowBytes;
    }

    public static WeightMatrix of(TensorInfo tensor) {
        int cols = tensor.rowLength();
        int rows = tensor.rows();
        MemorySegment data = tensor.data();
        long rowBytes = tensor.type().bytes(cols);
        return switch (tensor.type()) {
            case F32 -> new F32Matrix(data, rows, cols, rowBytes);
            case F16 -> new F16Matrix(data, rows, cols, rowBytes, false);
            case BF16 -> new F16Matrix(data, rows, cols, rowBytes, true);
            case Q8_0 -> new Q8_0Matrix(data, rows, cols, rowBytes);
            case Q4_0 -> new Q4_0Matrix(data, rows, cols, rowBytes);
            case Q4_K -> new Q4KMatrix(data, rows, cols, rowBytes);
            case Q6_K -> new Q6KMatrix(data, rows, cols, rowBytes);
        };
    }

    public int rows() {
        return rows;
    }

    public int cols() {
        return cols;
    }

    /** Prepares an activation vector of {@link #cols()} values for this type's dot product. */
    public abstract Activations prepare(float[] x);

    /** The dot product of row {@code row} with prepared activations. */
    public abstract float dot(int row, Activations x);

    /** Dequantizes row {@code row} into {@code out} (embedding lookup). */
    public abstract void row(int row, float[] out);

    /** Activation vectors per pass over the rows: few enough to stay in the L1 cache while the rows stream by. */
    private static final int TOKEN_TILE = 8;

    /**
     * {@code out[t][r] = dot(r, x[t])} for rows {@code [from, to)}. Vectors go in tiles of {@value #TOKEN_TILE}:
     * each weight row is read once per tile, while the tile's activations stay in the L1 cache.
     */
    public void multiply(Activations[] x, float[][] out, int from, int to) {
        for (int tile = 0; tile < x.length; tile += TOKEN_TILE) {
            int end = Math.min(x.length, tile + TOKEN_TILE);
            for (int r = from; r < to; r++) {
                for (int t = tile; t < end; t++) {
                    out[t][r] = dot(r, x[t]);
                }
            }
        }
    }

    /** Four dot products of one row with four prepared vectors (a batched kernel). */
    @FunctionalInterface
    protected interface FourDots {
        void run(long rowBase, Activations.Q8Blocks a0, Activations.Q8Blocks a1, Activations.Q8Blocks a2,
                Activations.Q8Blocks a3, float[] out);
    }

    /**
     * Batched multiplication with a kernel that takes four vectors per pass over a row, in tiles of
     * {@value #TOKEN_TILE} vectors; vectors left over take {@link #dot}.
     */
    protected void multiplyInFours(Activations[] x, float[][] out, int from, int to, FourDots kernel) {
        float[] four = new float[4];
        for (int first = 0; first < x.length; first += TOKEN_TILE) {
            int end = Math.min(x.length, first + TOKEN_TILE);
            for (int r = from; r < to; r++) {
                int t = first;
                for (; t + 4 <= end; t += 4) {
                    kernel.run(r * rowBytes, (Activations.Q8Blocks) x[t], (Activations.Q8Blocks) x[t + 1],
                            (Activations.Q8Blocks) x[t + 2], (Activations.Q8Blocks) x[t + 3], four);
                    out[t][r] = four[0];
                    out[t + 1][r] = four[1];
                    out[t + 2][r] = four[2];
                    out[t + 3][r] = four[3];
                }
                for (; t < end; t++) {
                    out[t][r] = dot(r, x[t]);
                }
            }
        }
    }

    protected void checkShape(float[] x) {
        if (x.length != cols) {
            throw new EngineException("activation length " + x.length + " does not match " + cols + " columns");
        }
    }
}
