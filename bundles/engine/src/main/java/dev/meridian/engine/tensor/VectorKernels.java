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
 * Dot-product kernels on the Vector API, loaded only when {@link Kernels#VECTOR} says it is there. Weight bytes are
 * widened to 16 bits and multiplied with activations widened once per vector ({@link Activations.Q8Blocks#wide()}),
 * the products summed as 32-bit integers per block and scaled in float, as llama.cpp's SIMD paths do. Uses 512-bit
 * vectors where the CPU has them, else 256-bit.
 */
final class VectorKernels {
    private static final ByteOrder LE = ByteOrder.LITTLE_ENDIAN;
    private static final boolean WIDE = FloatVector.SPECIES_PREFERRED.vectorBitSize() >= 512;
    private static final VectorSpecies<Float> F = WIDE ? FloatVector.SPECIES_512 : FloatVector.SPECIES_256;
    /** Shorts per step: 32 (one Q8_0 block) on 512-bit CPUs, 16 on 256-bit ones. */
    private static final VectorSpecies<Short> S = WIDE ? ShortVector.SPECIES_512 : ShortVector.SPECIES_256;
    private static final VectorSpecies<Byte> BS = WIDE ? ByteVector.SPECIES_256 : ByteVector.SPECIES_128;
    private static final VectorSpecies<Integer> I = WIDE ? IntVector.SPECIES_512 : IntVector.SPECIES_256;
    private static final VectorSpecies<Float> FI = WIDE ? FloatVector.SPECIES_512 : FloatVector.SPECIES_256;
    private static final VectorSpecies<Byte> B128 = ByteVector.SPECIES_128;
    private static final VectorSpecies<Short> S256 = ShortVector.SPECIES_256;
    private static final VectorSpecies<Integer> I256 = IntVector.SPECIES_256;
    private static final VectorSpecies<Float> F256 = FloatVector.SPECIES_256;

    private VectorKernels() {
    }

    static boolean available() {
        return FloatVector.SPECIES_PREFERRED.vectorBitSize() >= 256;
    }

    static String shape() {
        return (WIDE ? 512 : 256) + "-bit";
    }

    static float dotF32(MemorySegment data, long base, float[] x, int n) {
        FloatVector acc = FloatVector.zero(F);
        int i = 0;
        int bound = F.loopBound(n);
        for (; i < bound; i += F.length()) {
            acc = FloatVector.fromMemorySegment(F, data, base + i * 4L, LE).fma(FloatVector.fromArray(F, x, i), acc);
        }
        float sum = acc.reduceLanes(VectorOperators.ADD);
        for (; i < n; i++) {
            sum += data.get(WeightMatrix.FLOAT, base + i * 4L) * x[i];
        }
        return sum;
    }

    /** The products of {@code S.length()} weight bytes at {@code offset} with shorts of {@code x}, as int lanes. */
    private static IntVector products(MemorySegment data, long offset, short[] x, int at) {
        ShortVector p = ((ShortVector) ByteVector.fromMemorySegment(BS, data, offset, LE)
                .convertShape(VectorOperators.B2S, S, 0)).mul(ShortVector.fromArray(S, x, at));
        return ((IntVector) p.convertShape(VectorOperators.S2I, I, 0))
                .add((IntVector) p.convertShape(VectorOperators.S2I, I, 1));
    }

    static float dotQ8_0(MemorySegment data, long base, Activations.Q8Blocks a, int blocks) {
        short[] x = a.wide();
        float[] d = a.d();
        FloatVector acc = FloatVector.zero(FI);
        for (int b = 0; b < blocks; b++) {
            long block = base + b * (long) Q8_0Matrix.BLOCK_BYTES;
            IntVector sum = products(data, block + 2, x, b * 32);
            for (int j = S.length(); j < 32; j += S.length()) {
                sum = sum.add(products(data, block + 2 + j, x, b * 32 + j));
            }
            float scale = Numbers.f16(data.get(WeightMatrix.SHORT, block)) * d[b];
            acc = ((FloatVector) sum.convertShape(VectorOperators.I2F, FI, 0)).fma(FloatVector.broadcast(FI, scale),
                    acc);
        }
        return acc.reduceLanes(VectorOperators.ADD);
    }

    private static final VectorSpecies<Float> G = Boolean.getBoolean("g256") ? FloatVector.SPECIES_256 : F;

    /** Bytes per step of the dequantizers: one per float lane. */
    private static final VectorSpecies<Byte> BF = WIDE ? ByteVector.SPECIES_128 : ByteVector.SPECIES_64;

    /** Q8_0 row as floats: each byte times its block's F16 scale (exact in float). */
    static void dequantizeQ8_0(MemorySegment data, long base, int blocks, float[] out) {
        for (int b = 0; b < blocks; b++) {
            long block = base + b * (long) Q8_0Matrix.BLOCK_BYTES;
            FloatVector d = FloatVector.broadcast(F, Numbers.f16(data.get(WeightMatrix.SHORT, block)));
            for (int j = 0; j < 32; j += F.length()) {
                ((FloatVector) ByteVector.fromMemorySegment(BF, data, block + 2 + j, LE)
                        .convertShape(VectorOperators.B2F, F, 0)).mul(d).intoArray(out, b * 32 + j);
            }
        }
    }

    /** Q4_0 row as floats: each nibble minus 8 times its block's F16 scale (exact in float). */
    static void dequantizeQ4_0(MemorySegment data, long base, int blocks, float[] out) {
        for (int b = 0; b < blocks; b++) {
            long block = base + b * (long) Q4_0Matrix.BLOCK_BYTES;
            FloatVector d = FloatVector.broadcast(F, Numbers.f16(data.get(WeightMatrix.SHORT, block)));
            for (int j = 0; j < 16; j += F.length()) {
                ByteVector packed = ByteVector.fromMemorySegment(BF, data, block + 2 + j, LE);
                ((FloatVector) packed.and((byte) 0x0F).sub((byte) 8).convertShape(VectorOperators.B2F, F, 0))
                        .mul(d).intoArray(out, b * 32 + j);
                ((FloatVector) packed.lanewise(VectorOperators.LSHR, 4).and((byte) 0x0F).sub((byte) 8)
                        .convertShape(VectorOperators.B2F, F, 0)).mul(d).intoArray(out, b * 32 + 16 + j);
            }
        }
    }

    /**
     * {@code out[t][row0 + i] = w[i] · x[t]} for {@code i < rows} and every {@code t}: a float matrix product, four
     * rows by four vectors per pass (16 accumulators), the four rows staying in cache while the vectors go by.
     * {@code w} has a multiple of four rows (those past {@code rows} are computed and dropped); {@code cols} is a
     * multiple of the vector length.
     */
    static void multiplyTile(float[][] w, int rows, float[][] x, float[][] out, int row0, int cols) {
        float[] results = new float[16];
        for (int i = 0; i < rows; i += 4) {
            int t = 0;
            for (; t + 4 <= x.length; t += 4) {
                fourByFour(w[i], w[i + 1], w[i + 2], w[i + 3], x[t], x[t + 1], x[t + 2], x[t + 3], cols, results);
                for (int v = 0; v < 4; v++) {
                    for (int r = 0; r < Math.min(4, rows - i); r++) {
                        out[t + v][row0 + i + r] = results[4 * v + r];
                    }
                }
            }
            for (; t < x.length; t++) {
                fourByOne(w[i], w[i + 1], w[i + 2], w[i + 3], x[t], cols, results);
                for (int r = 0; r < Math.min(4, rows - i); r++) {
                    out[t][row0 + i + r] = results[r];
                }
            }
        }
    }

    /** {@code out[4 * v + r] = w_r · x_v}. */
    private static void fourByFour(float[] w0, float[] w1, float[] w2, float[] w3, float[] x0, float[] x1,
            float[] x2, float[] x3, int cols, float[] out) {
        FloatVector a00 = FloatVector.zero(G);
        FloatVector a01 = FloatVector.zero(G);
        FloatVector a02 = FloatVector.zero(G);
        FloatVector a03 = FloatVector.zero(G);
        FloatVector a10 = FloatVector.zero(G);
        FloatVector a11 = FloatVector.zero(G);
        FloatVector a12 = FloatVector.zero(G);
        FloatVector a13 = FloatVector.zero(G);
        FloatVector a20 = FloatVector.zero(G);
        FloatVector a21 = FloatVector.zero(G);
        FloatVector a22 = FloatVector.zero(G);
        FloatVector a23 = FloatVector.zero(G);
        FloatVector a30 = FloatVector.zero(G);
        FloatVector a31 = FloatVector.zero(G);
        FloatVector a32 = FloatVector.zero(G);
        FloatVector a33 = FloatVector.zero(G);
        for (int k = 0; k < cols; k += G.length()) {
            FloatVector r0 = FloatVector.fromArray(G, w0, k);
            FloatVector r1 = FloatVector.fromArray(G, w1, k);
            FloatVector r2 = FloatVector.fromArray(G, w2, k);
            FloatVector r3 = FloatVector.fromArray(G, w3, k);
            FloatVector v = FloatVector.fromArray(G, x0, k);
            a00 = r0.fma(v, a00);
            a01 = r1.fma(v, a01);
            a02 = r2.fma(v, a02);
            a03 = r3.fma(v, a03);
            v = FloatVector.fromArray(G, x1, k);
            a10 = r0.fma(v, a10);
            a11 = r1.fma(v, a11);
            a12 = r2.fma(v, a12);
            a13 = r3.fma(v, a13);
            v = FloatVector.fromArray(G, x2, k);
            a20 = r0.fma(v, a20);
            a21 = r1.fma(v, a21);
            a22 = r2.fma(v, a22);
            a23 = r3.fma(v, a23);
            v = FloatVector.fromArray(G, x3, k);
            a30 = r0.fma(v, a30);
            a31 = r1.fma(v, a31);
            a32 = r2.fma(v, a32);
            a33 = r3.fma(v, a33);
        }
        out[0] = a00.reduceLanes(VectorOperators.ADD);
        out[1] = a01.reduceLanes(VectorOperators.ADD);
        out[2] = a02.reduceLanes(VectorOperators.ADD);
        out[3] = a03.reduceLanes(VectorOperators.ADD);
        out[4] = a10.reduceLanes(VectorOperators.ADD);
        out[5] = a11.reduceLanes(VectorOperators.ADD);
        out[6] = a12.reduceLanes(VectorOperators.ADD);
        out[7] = a13.reduceLanes(VectorOperators.ADD);
        out[8] = a20.reduceLanes(VectorOperators.ADD);
        out[9] = a21.reduceLanes(VectorOperators.ADD);
        out[10] = a22.reduceLanes(VectorOperators.ADD);
        out[11] = a23.reduceLanes(VectorOperators.ADD);
        out[12] = a30.reduceLanes(VectorOperators.ADD);
        out[13] = a31.reduceLanes(VectorOperators.ADD);
        out[14] = a32.reduceLanes(VectorOperators.ADD);
        out[15] = a33.reduceLanes(VectorOperators.ADD);
    }

    /** {@code out[r] = w_r · x}. */
    private static void fourByOne(float[] w0, float[] w1, float[] w2, float[] w3, float[] x, int cols,
            float[] out) {
        FloatVector a0 = FloatVector.zero(G);
        FloatVector a1 = FloatVector.zero(G);
        FloatVector a2 = FloatVector.zero(G);
        FloatVector a3 = FloatVector.zero(G);
        for (int k = 0; k < cols; k += G.length()) {
            FloatVector v = FloatVector.fromArray(G, x, k);
            a0 = FloatVector.fromArray(G, w0, k).fma(v, a0);
            a1 = FloatVector.fromArray(G, w1, k).fma(v, a1);
            a2 = FloatVector.fromArray(G, w2, k).fma(v, a2);
            a3 = FloatVector.fromArray(G, w3, k).fma(v, a3);
        }
        out[0] = a0.reduceLanes(VectorOperators.ADD);
        out[1] = a1.reduceLanes(VectorOperators.ADD);
        out[2] = a2.reduceLanes(VectorOperators.ADD);
        out[3] = a3.reduceLanes(VectorOperators.ADD);
    }

    /** The products of 16 nibble values (already in {@code nibbles}) with 16 shorts of {@code x}, as 8 int lanes. */
    private static IntVector nibbleProducts(ByteVector nibbles, short[] x, int at) {
        ShortVector p = ((ShortVector) nibbles.convertShape(VectorOperators.B2S, S256, 0))
                .mul(ShortVector.fromArray(S256, x, at));
        return ((IntVector) p.convertShape(VectorOperators.S2I, I256, 0))
                .add((IntVector) p.convertShape(VectorOperators.S2I, I256, 1));
    }

    static float dotQ4_0(MemorySegment data, long base, Activations.Q8Blocks a, int blocks) {
        short[] x = a.wide();
        float[] d = a.d();
        FloatVector acc = FloatVector.zero(F256);
        for (int b = 0; b < blocks; b++) {
            long block = base + b * (long) Q4_0Matrix.BLOCK_BYTES;
            // widen the 16 packed bytes once; low nibbles pair with x[0..15], high nibbles with x[16..31]
            ShortVector packed = (ShortVector) ByteVector.fromMemorySegment(B128, data, block + 2, LE)
                    .convertShape(VectorOperators.B2S, S256, 0);
            ShortVector low = packed.and((short) 0x0F).sub((short) 8);
            ShortVector high = packed.lanewise(VectorOperators.LSHR, 4).and((short) 0x0F).sub((short) 8);
            ShortVector p = low.mul(ShortVector.fromArray(S256, x, b * 32))
                    .add(high.mul(ShortVector.fromArray(S256, x, b * 32 + 16)));
            IntVector sum = ((IntVector) p.convertShape(VectorOperators.S2I, I256, 0))
                    .add((IntVector) p.convertShape(VectorOperators.S2I, I256, 1));
            float scale = Numbers.f16(data.get(WeightMatrix.SHORT, block)) * d[b];
            acc = ((FloatVector) sum.convertShape(VectorOperators.I2F, F256, 0))
                    .fma(FloatVector.broadcast(F256, scale), acc);
        }
        return acc.reduceLanes(VectorOperators.ADD);
    }

    static float dotQ4K(MemorySegment data, long base, Activations.Q8KBlocks a, int blocks) {
        short[] x = a.wide();
        int[] sums = a.sums();
        int[] scales = new int[8];
        int[] mins = new int[8];
        float sum = 0;
        for (int b = 0; b < blocks; b++) {
            long block = base + b * (long) Q4KMatrix.BLOCK_BYTES;
            float d = Numbers.f16(data.get(WeightMatrix.SHORT, block)) * a.d()[b];
            float dmin = Numbers.f16(data.get(WeightMatrix.SHORT, block + 2)) * a.d()[b];
            Q4KMatrix.unpackScales(data, block + 4, scales, mins);
            int sumMins = 0;
            for (int j = 0; j < 8; j++) {
                sumMins += mins[j] * (sums[b * 16 + 2 * j] + sums[b * 16 + 2 * j + 1]);
            }
            sum += d * q4kScaled(data, block + 16, x, b * 256, scales) - dmin * sumMins;
        }
        return sum;
    }

    /**
     * Σ scale(sub-block) · Σ nibble · x over one super-block. A method of its own, returning an int, so that C2
     * inlines every vector operation in it (in one large method it stops inlining and boxes the vectors).
     */
    private static int q4kScaled(MemorySegment data, long qs, short[] x, int base, int[] scales) {
        IntVector scaled = IntVector.zero(I256);
        for (int chunk = 0; chunk < 4; chunk++) {
            int offset = base + chunk * 64;
            // both 16-byte halves of a 32-value sub-block share its scale: add them as shorts (<= 3840)
            ShortVector p0 = (ShortVector) ByteVector.fromMemorySegment(B128, data, qs + chunk * 32, LE)
                    .convertShape(VectorOperators.B2S, S256, 0);
            ShortVector p1 = (ShortVector) ByteVector.fromMemorySegment(B128, data, qs + chunk * 32 + 16, LE)
                    .convertShape(VectorOperators.B2S, S256, 0);
            ShortVector low = p0.and((short) 0x0F).mul(ShortVector.fromArray(S256, x, offset))
                    .add(p1.and((short) 0x0F).mul(ShortVector.fromArray(S256, x, offset + 16)));
            ShortVector high = p0.lanewise(VectorOperators.LSHR, 4).and((short) 0x0F)
                    .mul(ShortVector.fromArray(S256, x, offset + 32))
                    .add(p1.lanewise(VectorOperators.LSHR, 4).and((short) 0x0F)
                            .mul(ShortVector.fromArray(S256, x, offset + 48)));
            // written out rather than calling widen(): C2 stops inlining here and would box the vectors
            IntVector lowSum = ((IntVector) low.convertShape(VectorOperators.S2I, I256, 0))
                    .add((IntVector) low.convertShape(VectorOperators.S2I, I256, 1));
            IntVector highSum = ((IntVector) high.convertShape(VectorOperators.S2I, I256, 0))
                    .add((IntVector) high.convertShape(VectorOperators.S2I, I256, 1));
            scaled = scaled.add(lowSum.mul(scales[2 * chunk])).add(highSum.mul(scales[2 * chunk + 1]));
        }
        return scaled.reduceLanes(VectorOperators.ADD);
    }

}
