package dev.meridian.engine.tensor;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * The Vector API decoding kernels of Q2_K, Q3_K, IQ4_NL and IQ4_XS, one per type for every width: weight values
 * widened to short lanes (16 to a step on 256- and 512-bit CPUs, 8 on 128-bit ones), multiplied with the widened
 * activations, summed exactly as ints per block and scaled in float, as {@link VectorKernels} does. The IQ4 types'
 * 4-bit indexes become their 8-bit levels by a byte shuffle over the 16-entry table (one instruction on SSSE3, AVX
 * and NEON).
 */
final class LowBitKernels {
    private static final ByteOrder LE = ByteOrder.LITTLE_ENDIAN;
    private static final boolean NARROW = VectorKernels.NARROW;
    private static final VectorSpecies<Short> S = NARROW ? ShortVector.SPECIES_128 : ShortVector.SPECIES_256;
    private static final VectorSpecies<Byte> B = NARROW ? ByteVector.SPECIES_64 : ByteVector.SPECIES_128;
    private static final VectorSpecies<Integer> I = NARROW ? IntVector.SPECIES_128 : IntVector.SPECIES_256;
    private static final VectorSpecies<Float> F = NARROW ? FloatVector.SPECIES_128 : FloatVector.SPECIES_256;
    /** Floats per store in the dequantizers: half a short step. */
    private static final int FL = F.length();
    /** Short lanes per step. */
    private static final int L = S.length();
    private static final VectorSpecies<Byte> B128 = ByteVector.SPECIES_128;
    private static final ByteVector LEVELS = ByteVector.fromArray(B128, IQ4NLMatrix.LEVELS, 0);
    private static final ValueLayout.OfLong LONG = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(LE);
    private static final ValueLayout.OfInt INT = ValueLayout.JAVA_INT_UNALIGNED.withOrder(LE);

    private LowBitKernels() {
    }

    /** {@link #L} unsigned bytes at {@code offset} as short lanes. */
    private static ShortVector unsigned(MemorySegment data, long offset) {
        return (ShortVector) ByteVector.fromMemorySegment(B, data, offset, LE)
                .convertShape(VectorOperators.ZERO_EXTEND_B2S, S, 0);
    }

    /** Adjacent short lanes summed as int lanes: each low half sign-extended plus the high half. */
    private static IntVector pairs(ShortVector p) {
        IntVector ints = p.reinterpretAsInts();
        return ints.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16)
                .add(ints.lanewise(VectorOperators.ASHR, 16));
    }

    /**
     * The 32 products of an IQ4 sub-block (16 index bytes at {@code at}) with {@code x[from..from + 32)}, as int
     * lanes: each level times an activation is at most 127 * 127, two to a short lane.
     */
    private static IntVector levelProducts(MemorySegment data, long at, short[] x, int from) {
        ByteVector packed = ByteVector.fromMemorySegment(B128, data, at, LE);
        ByteVector low = packed.and((byte) 0x0F).selectFrom(LEVELS);
        ByteVector high = packed.lanewise(VectorOperators.LSHR, 4).and((byte) 0x0F).selectFrom(LEVELS);
        IntVector sum = IntVector.zero(I);
        for (int part = 0; part < 16 / L; part++) {
            ShortVector p = ((ShortVector) low.convertShape(VectorOperators.B2S, S, part))
                    .mul(ShortVector.fromArray(S, x, from + part * L))
                    .add(((ShortVector) high.convertShape(VectorOperators.B2S, S, part))
                            .mul(ShortVector.fromArray(S, x, from + 16 + part * L)));
            sum = sum.add(pairs(p));
        }
        return sum;
    }

    static float dotIQ4NL(MemorySegment data, long base, Activations.Q8Blocks a, int blocks) {
        short[] x = a.wide();
        float[] d = a.d();
        FloatVector acc = FloatVector.zero(F);
        for (int b = 0; b < blocks; b++) {
            long block = base + b * (long) IQ4NLMatrix.BLOCK_BYTES;
            IntVector sum = levelProducts(data, block + 2, x, b * 32);
            float scale = Numbers.f16(data.get(WeightMatrix.SHORT, block)) * d[b];
            acc = ((FloatVector) sum.convertShape(VectorOperators.I2F, F, 0)).fma(FloatVector.broadcast(F, scale),
                    acc);
        }
        return acc.reduceLanes(VectorOperators.ADD);
    }

    static float dotIQ4XS(MemorySegment data, long base, Activations.Q8KBlocks a, int blocks) {
        short[] x = a.wide();
        float[] dx = a.d();
        FloatVector acc = FloatVector.zero(F);
        for (int b = 0; b < blocks; b++) {
            long block = base + b * (long) IQ4XSMatrix.BLOCK_BYTES;
            // the eight scales' low nibbles in one int (sub-block j at bits 4j), their high bits in a short (at 2j)
            int low = data.get(INT, block + 4);
            int high = data.get(WeightMatrix.SHORT, block + 2);
            IntVector scaled = IntVector.zero(I);
            for (int j = 0; j < 8; j++) {
                int scale = ((low >>> (4 * j) & 0xF) | (high >>> (2 * j) & 3) << 4) - 32;
                scaled = scaled.add(levelProducts(data, block + 8 + 16 * j, x, b * 256 + 32 * j).mul(scale));
            }
            float d = Numbers.f16(data.get(WeightMatrix.SHORT, block)) * dx[b];
            acc = ((FloatVector) scaled.convertShape(VectorOperators.I2F, F, 0)).fma(FloatVector.broadcast(F, d),
                    acc);
        }
        return acc.reduceLanes(VectorOperators.ADD);
    }

    /**
     * Q2_K: per step of {@link #L} bytes, the four 2-bit planes times the activations and their group's 4-bit scale
     * (each at most 3 * 127 * 15; the four fit one short lane), then summed in pairs as ints. The mins come off
     * through the activations' sums of 16.
     */
    static float dotQ2K(MemorySegment data, long base, Activations.Q8KBlocks a, int blocks) {
        short[] x = a.wide();
        int[] sums = a.sums();
        float[] dx = a.d();
        FloatVector acc = FloatVector.zero(F);
        float minSum = 0;
        for (int b = 0; b < blocks; b++) {
            long block = base + b * (long) Q2KMatrix.BLOCK_BYTES;
            long scales0 = data.get(LONG, block);
            long scales1 = data.get(LONG, block + 8);
            int mins = 0;
            for (int g = 0; g < 8; g++) {
                mins += (int) (scales0 >>> (8 * g + 4) & 0xF) * sums[b * 16 + g]
                        + (int) (scales1 >>> (8 * g + 4) & 0xF) * sums[b * 16 + 8 + g];
            }
            minSum += Numbers.f16(data.get(WeightMatrix.SHORT, block + 82)) * dx[b] * mins;
            IntVector scaled = IntVector.zero(I);
            for (int n = 0; n < 2; n++) {
                long groupScales = n == 0 ? scales0 : scales1;
                for (int part = 0; part < 32 / L; part++) {
                    ShortVector packed = unsigned(data, block + 16 + n * 32 + part * L);
                    int at = b * 256 + n * 128 + part * L;
                    int half = part * L / 16; // which group of 16 these lanes are in
                    ShortVector p = ShortVector.zero(S);
                    for (int j = 0; j < 4; j++) {
                        short scale = (short) (groupScales >>> (8 * (2 * j + half)) & 0xF);
                        p = p.add(packed.lanewise(VectorOperators.LSHR, 2 * j).and((short) 3)
                                .mul(ShortVector.fromArray(S, x, at + 32 * j)).mul(scale));
                    }
                    scaled = scaled.add(pairs(p));
                }
            }
            float d = Numbers.f16(data.get(WeightMatrix.SHORT, block + 80)) * dx[b];
            acc = ((FloatVector) scaled.convertShape(VectorOperators.I2F, F, 0)).fma(FloatVector.broadcast(F, d),
                    acc);
        }
        return acc.reduceLanes(VectorOperators.ADD) - minSum;
    }

    /**
     * Q3_K: the values put together from their low bits and high bit as -4..3 in short lanes, times the activations
     * and their group's signed 6-bit scale (at most 4 * 127 * 32 in magnitude: two groups fit one short lane), then
     * summed in pairs as ints: the super-block's sum is ggml's integer sum.
     */
    static float dotQ3K(MemorySegment data, long base, Activations.Q8KBlocks a, int blocks) {
        short[] x = a.wide();
        float[] dx = a.d();
        float sum = 0;
        for (int b = 0; b < blocks; b++) {
            long block = base + b * (long) Q3KMatrix.BLOCK_BYTES;
            // the sixteen 6-bit scales: low nibbles in bytes 0-7 (group g at bits 8 (g % 8) + 4 (g / 8)), high bit
            // pairs in bytes 8-11 (at bits 8 (g % 4) + 2 (g / 4))
            long lows = data.get(LONG, block + 96);
            int highs = data.get(INT, block + 104);
            // scale g (plus 32) in byte g % 8 of the first or second long: unpacked once per block, not once per use
            long scalesLow = Q3KMatrix.packedScales(lows, highs, false);
            long scalesHigh = Q3KMatrix.packedScales(lows, highs, true);
            IntVector scaled = IntVector.zero(I);
            // written out without helpers: C2 declines to inline them here ("callee uses too much stack") and then
            // boxes every vector
            for (int part = 0; part < 32 / L; part++) {
                // the high bits of values l = part * L.., bit 4n + j moved to bit 2 by constant shifts as j steps
                ShortVector high = ((ShortVector) ByteVector.fromMemorySegment(B, data, block + part * L, LE)
                        .convertShape(VectorOperators.ZERO_EXTEND_B2S, S, 0)).lanewise(VectorOperators.LSHL, 2);
                int half = part * L / 16;
                for (int n = 0; n < 2; n++) {
                    ShortVector packed = (ShortVector) ByteVector.fromMemorySegment(B, data,
                            block + 32 + n * 32 + part * L, LE).convertShape(VectorOperators.ZERO_EXTEND_B2S, S, 0);
                    int at = b * 256 + n * 128 + part * L;
                    for (int j = 0; j < 4; j += 2) {
                        int g0 = n * 8 + 2 * j + half;
                        int g1 = g0 + 2;
                        long scales = n == 0 ? scalesLow : scalesHigh; // groups 0-7, then 8-15
                        short scale0 = (short) (((int) (scales >>> (8 * (g0 % 8))) & 0xFF) - 32);
                        short scale1 = (short) (((int) (scales >>> (8 * (g1 % 8))) & 0xFF) - 32);
                        ShortVector q0 = packed.and((short) 3).or(high.and((short) 4)).sub((short) 4);
                        ShortVector q1 = packed.lanewise(VectorOperators.LSHR, 2).and((short) 3)
                                .or(high.lanewise(VectorOperators.LSHR, 1).and((short) 4)).sub((short) 4);
                        IntVector p = q0.mul(ShortVector.fromArray(S, x, at + 32 * j)).mul(scale0)
                                .add(q1.mul(ShortVector.fromArray(S, x, at + 32 * j + 32)).mul(scale1))
                                .reinterpretAsInts();
                        scaled = scaled.add(p.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16))
                                .add(p.lanewise(VectorOperators.ASHR, 16));
                        packed = packed.lanewise(VectorOperators.LSHR, 4);
                        high = high.lanewise(VectorOperators.LSHR, 2);
                    }
                }
            }
            int total = scaled.reduceLanes(VectorOperators.ADD);
            sum += Numbers.f16(data.get(WeightMatrix.SHORT, block + 108)) * dx[b] * total;
        }
        return sum;
    }

    /*
     * Dequantizers for the prompt product: rows as floats, value for value what the types' scalar row() computes (the
     * same float operations in the same order), 2 * FL floats per short step.
     */

    static void dequantizeQ2K(MemorySegment data, long base, int blocks, float[] out) {
        for (int b = 0; b < blocks; b++) {
            long block = base + b * (long) Q2KMatrix.BLOCK_BYTES;
            float d = Numbers.f16(data.get(WeightMatrix.SHORT, block + 80));
            float dmin = Numbers.f16(data.get(WeightMatrix.SHORT, block + 82));
            for (int n = 0; n < 2; n++) {
                for (int part = 0; part < 32 / L; part++) {
                    ShortVector packed = unsigned(data, block + 16 + n * 32 + part * L);
                    for (int j = 0; j < 4; j++) {
                        int packedScale = data.get(ValueLayout.JAVA_BYTE, block + n * 8 + 2 * j + part * L / 16) & 0xFF;
                        float scale = d * (packedScale & 0xF);
                        float min = dmin * (packedScale >>> 4);
                        ShortVector v = packed.lanewise(VectorOperators.LSHR, 2 * j).and((short) 3);
                        int at = b * 256 + n * 128 + j * 32 + part * L;
                        for (int h = 0; h < 2; h++) {
                            ((FloatVector) v.convertShape(VectorOperators.S2F, F, h)).mul(scale).sub(min)
                                    .intoArray(out, at + h * FL);
                        }
                    }
                }
            }
        }
    }

    static void dequantizeQ3K(MemorySegment data, long base, int blocks, float[] out) {
        for (int b = 0; b < blocks; b++) {
            long block = base + b * (long) Q3KMatrix.BLOCK_BYTES;
            float d = Numbers.f16(data.get(WeightMatrix.SHORT, block + 108));
            long lows = data.get(LONG, block + 96);
            int highs = data.get(INT, block + 104);
            for (int part = 0; part < 32 / L; part++) {
                ShortVector high = unsigned(data, block + part * L).lanewise(VectorOperators.LSHL, 2);
                for (int n = 0; n < 2; n++) {
                    ShortVector packed = unsigned(data, block + 32 + n * 32 + part * L);
                    for (int j = 0; j < 4; j++) {
                        float scale = d * Q3KMatrix.scale(lows, highs, n * 8 + 2 * j + part * L / 16);
                        ShortVector v = packed.and((short) 3).or(high.and((short) 4)).sub((short) 4);
                        int at = b * 256 + n * 128 + j * 32 + part * L;
                        for (int h = 0; h < 2; h++) {
                            ((FloatVector) v.convertShape(VectorOperators.S2F, F, h)).mul(scale)
                                    .intoArray(out, at + h * FL);
                        }
                        packed = packed.lanewise(VectorOperators.LSHR, 2);
                        high = high.lanewise(VectorOperators.LSHR, 1);
                    }
                }
            }
        }
    }

    /** The 32 values of an IQ4 sub-block (16 index bytes at {@code at}) times {@code d}, into {@code out[from..]}. */
    private static void levels(MemorySegment data, long at, float d, float[] out, int from) {
        ByteVector packed = ByteVector.fromMemorySegment(B128, data, at, LE);
        ByteVector low = packed.and((byte) 0x0F).selectFrom(LEVELS);
        ByteVector high = packed.lanewise(VectorOperators.LSHR, 4).and((byte) 0x0F).selectFrom(LEVELS);
        for (int part = 0; part < 16 / FL; part++) {
            ((FloatVector) low.convertShape(VectorOperators.B2F, F, part)).mul(d).intoArray(out, from + part * FL);
            ((FloatVector) high.convertShape(VectorOperators.B2F, F, part)).mul(d)
                    .intoArray(out, from + 16 + part * FL);
        }
    }

    static void dequantizeIQ4NL(MemorySegment data, long base, int blocks, float[] out) {
        for (int b = 0; b < blocks; b++) {
            long block = base + b * (long) IQ4NLMatrix.BLOCK_BYTES;
            levels(data, block + 2, Numbers.f16(data.get(WeightMatrix.SHORT, block)), out, b * 32);
        }
    }

    static void dequantizeIQ4XS(MemorySegment data, long base, int blocks, float[] out) {
        for (int b = 0; b < blocks; b++) {
            long block = base + b * (long) IQ4XSMatrix.BLOCK_BYTES;
            float d = Numbers.f16(data.get(WeightMatrix.SHORT, block));
            for (int j = 0; j < 8; j++) {
                levels(data, block + 8 + 16 * j, d * IQ4XSMatrix.scale(data, block, j), out, b * 256 + 32 * j);
            }
        }
    }
}
