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
public abstract sealed class WeightMatrix permits F32Matrix, F16Matrix, Q8_0Matrix, Q4_0Matrix, Q5_0Matrix,
        MinimumMatrix, Q2KMatrix, Q3KMatrix, Q4KMatrix, Q5KMatrix, Q6KMatrix, IQ4NLMatrix, IQ4XSMatrix {
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
            case Q4_1 -> new MinimumMatrix(data, rows, cols, rowBytes, false);
            case Q5_0 -> new Q5_0Matrix(data, rows, cols, rowBytes);
            case Q5_1 -> new MinimumMatrix(data, rows, cols, rowBytes, true);
            case Q2_K -> new Q2KMatrix(data, rows, cols, rowBytes);
            case Q3_K -> new Q3KMatrix(data, rows, cols, rowBytes);
            case Q4_K -> new Q4KMatrix(data, rows, cols, rowBytes);
            case Q5_K -> new Q5KMatrix(data, rows, cols, rowBytes);
            case Q6_K -> new Q6KMatrix(data, rows, cols, rowBytes);
            case IQ4_NL -> new IQ4NLMatrix(data, rows, cols, rowBytes);
            case IQ4_XS -> new IQ4XSMatrix(data, rows, cols, rowBytes);
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

    /**
     * {@link #dot} on the scalar reference: integer sums per block, then the type's float expression per block,
     * blocks in order. The Vector API kernels of Q3_K and Q6_K give exactly this at every width; the others scale
     * the same integer sums lane by lane, in lanes of the width's own shape, and add them up at the end.
     */
    abstract float referenceDot(int row, Activations x);

    /** Dequantizes row {@code row} into {@code out} (embedding lookup). */
    public abstract void row(int row, float[] out);

    /** Activation vectors per pass over the rows: few enough to stay in the L1 cache while the rows stream by. */
    private static final int TOKEN_TILE = 8;
    /** Vectors from which the batched product dequantizes rows and multiplies in float; below it, dot by dot. */
    private static final int FLOAT_PRODUCT_MIN = 4;
    /** Rows dequantized at a time in the float product (a multiple of the kernel's four rows). */
    private static final int ROW_TILE = 16;

    /**
     * {@code out[t][r] = dot(r, x[t])} for rows {@code [from, to)}, for a batch of vectors (prompt processing).
     * Quantized types with enough vectors take the float product: each row is dequantized once (exactly: a small
     * integer times its F16 scale) and multiplied with the dequantized 8-bit activations in float, in
     * {@link FloatOrder}'s order (on the Vector API four rows by four vectors at a time), so a batch gives the same
     * bits at every width and on the scalar code. The activations are quantized as for {@link #dot}; only the
     * rounding of the sums differs from it (relative 1e-6), where the integer kernels convert every block's sum to
     * float and scale it.
     */
    public void multiply(Activations[] x, float[][] out, int from, int to) {
        float[][] dequantized = x.length >= FLOAT_PRODUCT_MIN ? dequantized(x) : null;
        if (dequantized == null) {
            multiplyByDots(x, out, from, to);
            return;
        }
        float[][] tile = new float[ROW_TILE][cols];
        for (int first = from; first < to; first += ROW_TILE) {
            int count = Math.min(ROW_TILE, to - first);
            for (int i = 0; i < count; i++) {
                // most Vector API dequantizers step 8 or 16 floats per byte load; 128-bit vectors hold 4
                if (!Kernels.VECTOR || Kernels.NARROW && !dequantizesAtEveryWidth()) {
                    row(first + i, tile[i]);
                } else {
                    dequantize(first + i, tile[i]);
                }
            }
            if (Kernels.VECTOR) {
                FloatProduct.multiplyTile(tile, count, dequantized, out, first, cols);
            } else {
                for (int i = 0; i < count; i++) {
                    for (int t = 0; t < dequantized.length; t++) {
                        out[t][first + i] = FloatOrder.dot(tile[i], 0, dequantized[t], 0, cols);
                    }
                }
            }
        }
    }

    /** The dequantized 8-bit activations, or null for activations that are plain floats. */
    private static float[][] dequantized(Activations[] x) {
        float[][] values = new float[x.length][];
        for (int t = 0; t < x.length; t++) {
            values[t] = switch (x[t]) {
                case Activations.Q8Blocks q -> q.dequantized();
                case Activations.Q8_1Blocks q -> q.blocks().dequantized();
                case Activations.Q8KBlocks q -> q.dequantized();
                case Activations.Floats f -> null;
            };
            if (values[t] == null) {
                return null;
            }
        }
        return values;
    }

    /**
     * Row {@code row} as floats for the batched float product on the Vector API, the same values as {@link #row}: the
     * types override it with their Vector API dequantizer; {@link #row} serves the others.
     */
    protected void dequantize(int row, float[] out) {
        row(row, out);
    }

    /** Whether {@link #dequantize} runs on 128-bit vectors too; where not, {@link #row} serves there. */
    protected boolean dequantizesAtEveryWidth() {
        return false;
    }

    /**
     * Vectors in tiles of {@value #TOKEN_TILE}: each weight row is read once per tile, while the tile's activations
     * stay in the L1 cache.
     */
    private void multiplyByDots(Activations[] x, float[][] out, int from, int to) {
        for (int tile = 0; tile < x.length; tile += TOKEN_TILE) {
            int end = Math.min(x.length, tile + TOKEN_TILE);
            for (int r = from; r < to; r++) {
                for (int t = tile; t < end; t++) {
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
