package dev.meridian.engine.tensor;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * Prompt processing on the Vector API: weight rows dequantized to floats (exactly, for the block types: a small
 * integer times an F16 scale), and the float matrix product of a tile of such rows with the dequantized activations
 * of a batch of tokens. Loaded only when {@link Kernels#VECTOR} says the Vector API is there.
 */
final class FloatProduct {
    private static final ByteOrder LE = ByteOrder.LITTLE_ENDIAN;
    private static final ValueLayout.OfInt INT = ValueLayout.JAVA_INT_UNALIGNED.withOrder(LE);
    private static final boolean WIDE = FloatVector.SPECIES_PREFERRED.vectorBitSize() >= 512;
    /** The dequantizers' float steps. */
    private static final VectorSpecies<Float> F = WIDE ? FloatVector.SPECIES_512
            : VectorKernels.NARROW ? FloatVector.SPECIES_128 : FloatVector.SPECIES_256;
    /** Bytes per step of the dequantizers: one per float lane. */
    private static final VectorSpecies<Byte> BF = WIDE ? ByteVector.SPECIES_128 : ByteVector.SPECIES_64;
    private static final VectorSpecies<Byte> B128 = ByteVector.SPECIES_128;
    private static final VectorSpecies<Short> S256 = ShortVector.SPECIES_256;

    private FloatProduct() {
    }

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

    /** Q5_0 row as floats: each 5-bit value minus 16 times its block's F16 scale (exact in float). */
    static void dequantizeQ5_0(MemorySegment data, long base, int blocks, float[] out) {
        for (int b = 0; b < blocks; b++) {
            long block = base + b * (long) Q5_0Matrix.BLOCK_BYTES;
            float d = Numbers.f16(data.get(WeightMatrix.SHORT, block));
            int high = data.get(INT, block + 2);
            ShortVector packed = (ShortVector) ByteVector.fromMemorySegment(B128, data, block + 6, LE)
                    .convertShape(VectorOperators.ZERO_EXTEND_B2S, S256, 0);
            ShortVector low = packed.and((short) 15).add((short) 16, VectorMask.fromLong(S256, high & 0xFFFF))
                    .sub((short) 16);
            ShortVector upper = packed.lanewise(VectorOperators.LSHR, 4)
                    .add((short) 16, VectorMask.fromLong(S256, high >>> 16)).sub((short) 16);
            for (int part = 0; part < 16 / F.length(); part++) {
                ((FloatVector) low.convertShape(VectorOperators.S2F, F, part)).mul(d)
                        .intoArray(out, b * 32 + part * F.length());
                ((FloatVector) upper.convertShape(VectorOperators.S2F, F, part)).mul(d)
                        .intoArray(out, b * 32 + 16 + part * F.length());
            }
        }
    }

    /**
     * Q4_1 or, with {@code fifthBits}, Q5_1 row as floats: {@code q d + m} per block, multiplied then added, as their
     * {@code row()} (the product of a 5-bit value and an F16 scale is exact in float; the sum rounds once).
     */
    static void dequantizeWithMinimum(MemorySegment data, long base, int blocks, float[] out, boolean fifthBits) {
        int blockBytes = MinimumMatrix.blockBytes(fifthBits);
        int nibbles = MinimumMatrix.nibbles(fifthBits);
        for (int b = 0; b < blocks; b++) {
            long block = base + b * (long) blockBytes;
            float d = Numbers.f16(data.get(WeightMatrix.SHORT, block));
            float m = Numbers.f16(data.get(WeightMatrix.SHORT, block + 2));
            int high = fifthBits ? data.get(INT, block + 4) : 0;
            ShortVector packed = (ShortVector) ByteVector.fromMemorySegment(B128, data, block + nibbles, LE)
                    .convertShape(VectorOperators.ZERO_EXTEND_B2S, S256, 0);
            ShortVector low = packed.and((short) 15).add((short) 16, VectorMask.fromLong(S256, high & 0xFFFF));
            ShortVector upper = packed.lanewise(VectorOperators.LSHR, 4)
                    .add((short) 16, VectorMask.fromLong(S256, high >>> 16));
            for (int part = 0; part < 16 / F.length(); part++) {
                ((FloatVector) low.convertShape(VectorOperators.S2F, F, part)).mul(d).add(m)
                        .intoArray(out, b * 32 + part * F.length());
                ((FloatVector) upper.convertShape(VectorOperators.S2F, F, part)).mul(d).add(m)
                        .intoArray(out, b * 32 + 16 + part * F.length());
            }
        }
    }

    /** Q4_K row as floats: {@code d * scale * q - dmin * min} per sub-block of 32, as {@link Q4KMatrix#row}. */
    static void dequantizeQ4K(MemorySegment data, long base, int blocks, float[] out) {
        dequantizeK(data, base, blocks, out, false);
    }

    /** Q5_K row as floats, as {@link Q5KMatrix#row}. */
    static void dequantizeQ5K(MemorySegment data, long base, int blocks, float[] out) {
        dequantizeK(data, base, blocks, out, true);
    }

    /** Q4_K or, with {@code fifthBits}, Q5_K (32 bytes of fifth bits between the scales and the nibbles). */
    private static void dequantizeK(MemorySegment data, long base, int blocks, float[] out, boolean fifthBits) {
        for (int b = 0; b < blocks; b++) {
            long block = base + b * (long) (fifthBits ? Q5KMatrix.BLOCK_BYTES : Q4KMatrix.BLOCK_BYTES);
            float d = Numbers.f16(data.get(WeightMatrix.SHORT, block));
            float dmin = Numbers.f16(data.get(WeightMatrix.SHORT, block + 2));
            long scales = KScales.scales(data, block + 4);
            long mins = KScales.mins(data, block + 4);
            for (int j = 0; j < 8; j++) {
                FloatVector scale = FloatVector.broadcast(F, d * KScales.of(scales, j));
                FloatVector min = FloatVector.broadcast(F, dmin * KScales.of(mins, j));
                long qs = block + (fifthBits ? 48 : 16) + (j / 2) * 32;
                for (int i = 0; i < 32; i += F.length()) {
                    ByteVector packed = ByteVector.fromMemorySegment(BF, data, qs + i, LE);
                    ByteVector nibbles = (j & 1) == 0 ? packed.and((byte) 0x0F)
                            : packed.lanewise(VectorOperators.LSHR, 4).and((byte) 0x0F);
                    if (fifthBits) {
                        nibbles = nibbles.or(ByteVector.fromMemorySegment(BF, data, block + 16 + i, LE)
                                .lanewise(VectorOperators.LSHR, j).and((byte) 1).lanewise(VectorOperators.LSHL, 4));
                    }
                    ((FloatVector) nibbles.convertShape(VectorOperators.B2F, F, 0)).mul(scale).sub(min)
                            .intoArray(out, b * 256 + j * 32 + i);
                }
            }
        }
    }

    /** Q6_K row as floats: {@code d * scale * (q - 32)} per group of 16, as {@link Q6KMatrix#row}. */
    static void dequantizeQ6K(MemorySegment data, long base, int blocks, float[] out) {
        for (int b = 0; b < blocks; b++) {
            long block = base + b * (long) Q6KMatrix.BLOCK_BYTES;
            float d = Numbers.f16(data.get(WeightMatrix.SHORT, block + 208));
            for (int half = 0; half < 2; half++) {
                for (int column = 0; column < 32; column += F.length()) {
                    long ql = block + half * 64 + column;
                    ByteVector lowA = ByteVector.fromMemorySegment(BF, data, ql, LE);
                    ByteVector lowB = ByteVector.fromMemorySegment(BF, data, ql + 32, LE);
                    ByteVector high = ByteVector.fromMemorySegment(BF, data, block + 128 + half * 32 + column, LE);
                    int at = b * 256 + half * 128 + column;
                    q6Group(lowA.and((byte) 15).or(high.and((byte) 3).lanewise(VectorOperators.LSHL, 4)), d,
                            data, block, at, out);
                    q6Group(lowB.and((byte) 15).or(high.and((byte) 12).lanewise(VectorOperators.LSHL, 2)), d,
                            data, block, at + 32, out);
                    q6Group(lowA.lanewise(VectorOperators.LSHR, 4).and((byte) 15).or(high.and((byte) 48)), d,
                            data, block, at + 64, out);
                    q6Group(lowB.lanewise(VectorOperators.LSHR, 4).and((byte) 15)
                            .or(high.lanewise(VectorOperators.LSHR, 2).and((byte) 48)), d, data, block, at + 96, out);
                }
            }
        }
    }

    /** Writes 6-bit values (lanes of {@code q}) minus 32 times {@code d} and their group's scale, at {@code at}. */
    private static void q6Group(ByteVector q, float d, MemorySegment data, long block, int at, float[] out) {
        float scale = d * data.get(ValueLayout.JAVA_BYTE, block + 192 + (at % 256) / 16);
        ((FloatVector) q.sub((byte) 32).convertShape(VectorOperators.B2F, F, 0)).mul(scale).intoArray(out, at);
    }

    /** The eight lanes of {@link FloatOrder}'s sums: one 256-bit vector, or two sweeps of 128 bits. */
    private static final VectorSpecies<Float> LANES = VectorKernels.NARROW ? FloatVector.SPECIES_128
            : FloatVector.SPECIES_256;

    /**
     * {@code out[t][row0 + i] = w[i] · x[t]} for {@code i < rows} and every {@code t}, each product in
     * {@link FloatOrder}'s order, the same bits as {@link FloatOrder#dot} at every width: four rows by four vectors
     * per pass (16 accumulators of eight lanes; on 128-bit vectors, lanes 0-3 in one sweep and 4-7 in a second), the
     * four rows staying in cache while the vectors go by. {@code w} has a multiple of four rows (those past
     * {@code rows} are computed and dropped); {@code cols} is a multiple of eight.
     */
    static void multiplyTile(float[][] w, int rows, float[][] x, float[][] out, int row0, int cols) {
        float[][] lanes = new float[16][FloatOrder.LANES];
        for (int i = 0; i < rows; i += 4) {
            for (int t = 0; t < x.length; t += 4) {
                float[] x0 = x[t];
                float[] x1 = x[Math.min(t + 1, x.length - 1)]; // past the batch: computed and dropped
                float[] x2 = x[Math.min(t + 2, x.length - 1)];
                float[] x3 = x[Math.min(t + 3, x.length - 1)];
                for (int first = 0; first < FloatOrder.LANES; first += LANES.length()) {
                    fourByFour(w[i], w[i + 1], w[i + 2], w[i + 3], x0, x1, x2, x3, cols, first, lanes);
                }
                store(lanes, out, t, Math.min(4, x.length - t), row0 + i, Math.min(4, rows - i));
            }
        }
    }

    /** {@code out[t + v][row + r]} from the eight lanes of product {@code 4 v + r}. */
    private static void store(float[][] lanes, float[][] out, int t, int vectors, int row, int rows) {
        for (int v = 0; v < vectors; v++) {
            for (int r = 0; r < rows; r++) {
                float[] l = lanes[4 * v + r];
                out[t + v][row + r] = FloatOrder.combine(l[0], l[1], l[2], l[3], l[4], l[5], l[6], l[7]);
            }
        }
    }

    /**
     * Lanes {@code first..first + LANES.length()} of the 16 products {@code w_r · x_v}, into
     * {@code lanes[4 * v + r]}: columns {@code k + first + j} for {@code k} in steps of eight.
     */
    private static void fourByFour(float[] w0, float[] w1, float[] w2, float[] w3, float[] x0, float[] x1,
            float[] x2, float[] x3, int cols, int first, float[][] lanes) {
        FloatVector a00 = FloatVector.zero(LANES);
        FloatVector a01 = FloatVector.zero(LANES);
        FloatVector a02 = FloatVector.zero(LANES);
        FloatVector a03 = FloatVector.zero(LANES);
        FloatVector a10 = FloatVector.zero(LANES);
        FloatVector a11 = FloatVector.zero(LANES);
        FloatVector a12 = FloatVector.zero(LANES);
        FloatVector a13 = FloatVector.zero(LANES);
        FloatVector a20 = FloatVector.zero(LANES);
        FloatVector a21 = FloatVector.zero(LANES);
        FloatVector a22 = FloatVector.zero(LANES);
        FloatVector a23 = FloatVector.zero(LANES);
        FloatVector a30 = FloatVector.zero(LANES);
        FloatVector a31 = FloatVector.zero(LANES);
        FloatVector a32 = FloatVector.zero(LANES);
        FloatVector a33 = FloatVector.zero(LANES);
        for (int k = first; k < cols; k += FloatOrder.LANES) {
            FloatVector r0 = FloatVector.fromArray(LANES, w0, k);
            FloatVector r1 = FloatVector.fromArray(LANES, w1, k);
            FloatVector r2 = FloatVector.fromArray(LANES, w2, k);
            FloatVector r3 = FloatVector.fromArray(LANES, w3, k);
            FloatVector v = FloatVector.fromArray(LANES, x0, k);
            a00 = r0.fma(v, a00);
            a01 = r1.fma(v, a01);
            a02 = r2.fma(v, a02);
            a03 = r3.fma(v, a03);
            v = FloatVector.fromArray(LANES, x1, k);
            a10 = r0.fma(v, a10);
            a11 = r1.fma(v, a11);
            a12 = r2.fma(v, a12);
            a13 = r3.fma(v, a13);
            v = FloatVector.fromArray(LANES, x2, k);
            a20 = r0.fma(v, a20);
            a21 = r1.fma(v, a21);
            a22 = r2.fma(v, a22);
            a23 = r3.fma(v, a23);
            v = FloatVector.fromArray(LANES, x3, k);
            a30 = r0.fma(v, a30);
            a31 = r1.fma(v, a31);
            a32 = r2.fma(v, a32);
            a33 = r3.fma(v, a33);
        }
        a00.intoArray(lanes[0], first);
        a01.intoArray(lanes[1], first);
        a02.intoArray(lanes[2], first);
        a03.intoArray(lanes[3], first);
        a10.intoArray(lanes[4], first);
        a11.intoArray(lanes[5], first);
        a12.intoArray(lanes[6], first);
        a13.intoArray(lanes[7], first);
        a20.intoArray(lanes[8], first);
        a21.intoArray(lanes[9], first);
        a22.intoArray(lanes[10], first);
        a23.intoArray(lanes[11], first);
        a30.intoArray(lanes[12], first);
        a31.intoArray(lanes[13], first);
        a32.intoArray(lanes[14], first);
        a33.intoArray(lanes[15], first);
    }
}
