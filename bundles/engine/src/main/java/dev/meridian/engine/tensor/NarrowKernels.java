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
 * The decoding kernels for 128-bit vectors, what NEON-class CPUs (phones, TVs, cars) give: the same integer
 * arithmetic per block as {@link VectorKernels} (8 weight bytes widened to 8 short lanes, multiplied with the widened
 * activations, summed exactly as ints per block and scaled in float), on species the hardware holds in one register.
 * On a 128-bit CPU the 256-bit species of {@link VectorKernels} would run as Java loops, slower than the scalar code.
 */
final class NarrowKernels {
    private static final ByteOrder LE = ByteOrder.LITTLE_ENDIAN;
    private static final VectorSpecies<Byte> B64 = ByteVector.SPECIES_64;
    private static final VectorSpecies<Short> S = ShortVector.SPECIES_128;
    private static final VectorSpecies<Integer> I = IntVector.SPECIES_128;
    private static final VectorSpecies<Float> F = FloatVector.SPECIES_128;
    private static final ValueLayout.OfInt INT = ValueLayout.JAVA_INT_UNALIGNED.withOrder(LE);
    private static final ValueLayout.OfLong LONG = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(LE);

    private NarrowKernels() {
    }

    /** Eight signed weight bytes as short lanes. */
    private static ShortVector signed(MemorySegment data, long offset) {
        return (ShortVector) ByteVector.fromMemorySegment(B64, data, offset, LE).convertShape(VectorOperators.B2S, S,
                0);
    }

    /** Eight unsigned bytes (packed nibbles, bit planes) as short lanes. */
    private static ShortVector unsigned(MemorySegment data, long offset) {
        return (ShortVector) ByteVector.fromMemorySegment(B64, data, offset, LE)
                .convertShape(VectorOperators.ZERO_EXTEND_B2S, S, 0);
    }

    /** Adjacent short lanes summed as four int lanes: each low half sign-extended plus the high half. */
    private static IntVector pairs(ShortVector p) {
        IntVector ints = p.reinterpretAsInts();
        return ints.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16)
                .add(ints.lanewise(VectorOperators.ASHR, 16));
    }

    /** Q8_0: two products per short lane (at most 2 * 128 * 127, which fits), then pairs as ints. */
    static float dotQ8_0(MemorySegment data, long base, Activations.Q8Blocks a, int blocks) {
        short[] x = a.wide();
        float[] d = a.d();
        FloatVector acc = FloatVector.zero(F);
        for (int b = 0; b < blocks; b++) {
            long block = base + b * (long) Q8_0Matrix.BLOCK_BYTES;
            int at = b * 32;
            ShortVector p = signed(data, block + 2).mul(ShortVector.fromArray(S, x, at))
                    .add(signed(data, block + 10).mul(ShortVector.fromArray(S, x, at + 8)));
            ShortVector q = signed(data, block + 18).mul(ShortVector.fromArray(S, x, at + 16))
                    .add(signed(data, block + 26).mul(ShortVector.fromArray(S, x, at + 24)));
            IntVector sum = pairs(p).add(pairs(q));
            float scale = Numbers.f16(data.get(WeightMatrix.SHORT, block)) * d[b];
            acc = ((FloatVector) sum.convertShape(VectorOperators.I2F, F, 0)).fma(FloatVector.broadcast(F, scale),
                    acc);
        }
        return acc.reduceLanes(VectorOperators.ADD);
    }

    /** Q4_0 with the activations' nibble mix, as {@link VectorKernels#dotQ4_0}, eight packed bytes at a time. */
    static float dotQ4_0(MemorySegment data, long base, Activations.Q8Blocks a, int blocks) {
        Activations.Q8Blocks mixed = a.nibbleMix() != null ? a : a.withNibbleMix();
        short[] x = mixed.wide();
        short[] mix = mixed.nibbleMix();
        short[] offset = mixed.nibbleOffset();
        float[] d = mixed.d();
        FloatVector acc = FloatVector.zero(F);
        for (int b = 0; b < blocks; b++) {
            long block = base + b * (long) Q4_0Matrix.BLOCK_BYTES;
            // both halves in one short lane (each exact result is at most 2 * 8 * 127), then one widening
            ShortVector p = ShortVector.zero(S);
            for (int h = 0; h < 16; h += 8) {
                ShortVector packed = unsigned(data, block + 2 + h);
                p = p.add(packed.mul(ShortVector.fromArray(S, x, b * 32 + h))
                        .add(packed.lanewise(VectorOperators.LSHR, 4).mul(ShortVector.fromArray(S, mix, b * 16 + h)))
                        .add(ShortVector.fromArray(S, offset, b * 16 + h)));
            }
            IntVector sum = pairs(p);
            float scale = Numbers.f16(data.get(WeightMatrix.SHORT, block)) * d[b];
            acc = ((FloatVector) sum.convertShape(VectorOperators.I2F, F, 0)).fma(FloatVector.broadcast(F, scale),
                    acc);
        }
        return acc.reduceLanes(VectorOperators.ADD);
    }

    /** Per byte of fifth bits, eight short lanes of {@code 16 b}: Q5_1's fifth bits by table, as {@link #FIFTH}. */
    private static final short[] SIXTEEN = new short[256 * 8];

    static {
        for (int value = 0; value < 256; value++) {
            for (int lane = 0; lane < 8; lane++) {
                SIXTEEN[value * 8 + lane] = (short) (((value >>> lane) & 1) * 16);
            }
        }
    }

    /** Q4_1 and Q5_1 as {@link VectorKernels#dotWithMinimum}, eight lanes at a time, Q5_1's fifth bits by table. */
    static float dotWithMinimum(MemorySegment data, long base, Activations.Q8_1Blocks a, int blocks,
            boolean fifthBits) {
        short[] x = a.blocks().wide();
        short[] mix = a.blocks().nibbleMix();
        float[] d = a.blocks().d();
        float[] s = a.s();
        int blockBytes = MinimumMatrix.blockBytes(fifthBits);
        int nibbles = MinimumMatrix.nibbles(fifthBits);
        FloatVector acc = FloatVector.zero(F);
        float minSum = 0;
        for (int b = 0; b < blocks; b++) {
            long block = base + b * (long) blockBytes;
            int high = fifthBits ? data.get(INT, block + 4) : 0;
            ShortVector p = ShortVector.zero(S);
            for (int h = 0; h < 16; h += 8) {
                ShortVector x0 = ShortVector.fromArray(S, x, b * 32 + h);
                ShortVector packed = unsigned(data, block + nibbles + h);
                p = p.add(packed.mul(x0)
                        .add(packed.lanewise(VectorOperators.LSHR, 4).mul(ShortVector.fromArray(S, mix, b * 16 + h))));
                if (fifthBits) {
                    ShortVector x1 = ShortVector.fromArray(S, x, b * 32 + 16 + h);
                    p = p.add(ShortVector.fromArray(S, SIXTEEN, ((high >>> h) & 0xFF) * 8).mul(x0))
                            .add(ShortVector.fromArray(S, SIXTEEN, ((high >>> (16 + h)) & 0xFF) * 8).mul(x1));
                }
            }
            IntVector sum = pairs(p);
            float scale = Numbers.f16(data.get(WeightMatrix.SHORT, block)) * d[b];
            acc = ((FloatVector) sum.convertShape(VectorOperators.I2F, F, 0)).fma(FloatVector.broadcast(F, scale),
                    acc);
            minSum += Numbers.f16(data.get(WeightMatrix.SHORT, block + 2)) * s[b];
        }
        return acc.reduceLanes(VectorOperators.ADD) + minSum;
    }

    /**
     * For each byte of fifth bits, eight short lanes of {@code 16 b - 16} (0 where the bit is set, -16 where it is
     * clear): a table lookup in place of mask arithmetic, which 128-bit vectors do poorly.
     */
    private static final short[] FIFTH = new short[256 * 8];

    static {
        for (int value = 0; value < 256; value++) {
            for (int lane = 0; lane < 8; lane++) {
                FIFTH[value * 8 + lane] = (short) (((value >>> lane) & 1) * 16 - 16);
            }
        }
    }

    /**
     * Q5_0 as {@link VectorKernels#dotQ5_0}, with the fifth bits and the offset of 16 taken from {@link #FIFTH}:
     * {@code lo x0 + hi x1 + (16 b0 - 16) x0 + (16 b1 - 16) x1}; each lane stays within 2 * 16 * 127, so it is exact.
     */
    static float dotQ5_0(MemorySegment data, long base, Activations.Q8Blocks a, int blocks) {
        Activations.Q8Blocks mixed = a.nibbleMix() != null ? a : a.withNibbleMix();
        short[] x = mixed.wide();
        short[] mix = mixed.nibbleMix();
        float[] d = mixed.d();
        FloatVector acc = FloatVector.zero(F);
        for (int b = 0; b < blocks; b++) {
            long block = base + b * (long) Q5_0Matrix.BLOCK_BYTES;
            int high = data.get(INT, block + 2);
            // both halves in one short lane (each exact result is at most 2 * 16 * 127), then one widening
            ShortVector p = ShortVector.zero(S);
            for (int h = 0; h < 16; h += 8) {
                ShortVector x0 = ShortVector.fromArray(S, x, b * 32 + h);
                ShortVector x1 = ShortVector.fromArray(S, x, b * 32 + 16 + h);
                ShortVector packed = unsigned(data, block + 6 + h);
                p = p.add(packed.mul(x0)
                        .add(packed.lanewise(VectorOperators.LSHR, 4).mul(ShortVector.fromArray(S, mix, b * 16 + h)))
                        .add(ShortVector.fromArray(S, FIFTH, ((high >>> h) & 0xFF) * 8).mul(x0))
                        .add(ShortVector.fromArray(S, FIFTH, ((high >>> (16 + h)) & 0xFF) * 8).mul(x1)));
            }
            IntVector sum = pairs(p);
            float scale = Numbers.f16(data.get(WeightMatrix.SHORT, block)) * d[b];
            acc = ((FloatVector) sum.convertShape(VectorOperators.I2F, F, 0)).fma(FloatVector.broadcast(F, scale),
                    acc);
        }
        return acc.reduceLanes(VectorOperators.ADD);
    }

    /**
     * Q5_K: {@link #dotQ4K} with a fifth bit for every value, from the 32 bytes before the nibbles (bit {@code 2 k} of
     * byte {@code i} for value {@code i} of chunk {@code k}'s low nibbles, the next bit for its high nibbles). The
     * bit bytes are loaded once per block and shifted by a constant 2 after each chunk: C2 ran the version with shift
     * counts that vary per chunk at a quarter of the 512-bit speed.
     */
    static float dotQ5K(MemorySegment data, long base, Activations.Q8KBlocks a, int blocks) {
        short[] x = a.wide();
        int[] sums32 = a.sums32();
        float[] dx = a.d();
        FloatVector acc = FloatVector.zero(F);
        float minSum = 0;
        for (int b = 0; b < blocks; b++) {
            long block = base + b * (long) Q5KMatrix.BLOCK_BYTES;
            long scales = KScales.scales(data, block + 4);
            minSum += Numbers.f16(data.get(WeightMatrix.SHORT, block + 2)) * dx[b]
                    * KScales.weightedMins(KScales.mins(data, block + 4), sums32, b * 8);
            ShortVector bits0 = unsigned(data, block + 16);
            ShortVector bits1 = unsigned(data, block + 24);
            ShortVector bits2 = unsigned(data, block + 32);
            ShortVector bits3 = unsigned(data, block + 40);
            long qs = block + 48;
            IntVector scaled = IntVector.zero(I);
            for (int chunk = 0; chunk < 4; chunk++) {
                int at = b * 256 + chunk * 64;
                long bytes = qs + chunk * 32;
                ShortVector p0 = unsigned(data, bytes);
                ShortVector p1 = unsigned(data, bytes + 8);
                ShortVector p2 = unsigned(data, bytes + 16);
                ShortVector p3 = unsigned(data, bytes + 24);
                // this chunk's two bits are bits 0 and 1 now: to bit 4 by constant shifts
                ShortVector low = p0.and((short) 0x0F).or(bits0.and((short) 1).lanewise(VectorOperators.LSHL, 4))
                        .mul(ShortVector.fromArray(S, x, at))
                        .add(p1.and((short) 0x0F).or(bits1.and((short) 1).lanewise(VectorOperators.LSHL, 4))
                                .mul(ShortVector.fromArray(S, x, at + 8)))
                        .add(p2.and((short) 0x0F).or(bits2.and((short) 1).lanewise(VectorOperators.LSHL, 4))
                                .mul(ShortVector.fromArray(S, x, at + 16)))
                        .add(p3.and((short) 0x0F).or(bits3.and((short) 1).lanewise(VectorOperators.LSHL, 4))
                                .mul(ShortVector.fromArray(S, x, at + 24)));
                ShortVector high = p0.lanewise(VectorOperators.LSHR, 4)
                        .or(bits0.and((short) 2).lanewise(VectorOperators.LSHL, 3))
                        .mul(ShortVector.fromArray(S, x, at + 32))
                        .add(p1.lanewise(VectorOperators.LSHR, 4)
                                .or(bits1.and((short) 2).lanewise(VectorOperators.LSHL, 3))
                                .mul(ShortVector.fromArray(S, x, at + 40)))
                        .add(p2.lanewise(VectorOperators.LSHR, 4)
                                .or(bits2.and((short) 2).lanewise(VectorOperators.LSHL, 3))
                                .mul(ShortVector.fromArray(S, x, at + 48)))
                        .add(p3.lanewise(VectorOperators.LSHR, 4)
                                .or(bits3.and((short) 2).lanewise(VectorOperators.LSHL, 3))
                                .mul(ShortVector.fromArray(S, x, at + 56)));
                IntVector lowPairs = low.reinterpretAsInts();
                IntVector highPairs = high.reinterpretAsInts();
                scaled = scaled
                        .add(lowPairs.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16)
                                .add(lowPairs.lanewise(VectorOperators.ASHR, 16))
                                .mul(KScales.of(scales, 2 * chunk)))
                        .add(highPairs.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16)
                                .add(highPairs.lanewise(VectorOperators.ASHR, 16))
                                .mul(KScales.of(scales, 2 * chunk + 1)));
                bits0 = bits0.lanewise(VectorOperators.LSHR, 2);
                bits1 = bits1.lanewise(VectorOperators.LSHR, 2);
                bits2 = bits2.lanewise(VectorOperators.LSHR, 2);
                bits3 = bits3.lanewise(VectorOperators.LSHR, 2);
            }
            float d = Numbers.f16(data.get(WeightMatrix.SHORT, block)) * dx[b];
            acc = ((FloatVector) scaled.convertShape(VectorOperators.I2F, F, 0)).fma(FloatVector.broadcast(F, d),
                    acc);
        }
        return acc.reduceLanes(VectorOperators.ADD) - minSum;
    }

    /**
     * Q4_K: per chunk of 64 values, two sub-blocks with their 6-bit scales; the mins come off through the
     * activations' sums of 32.
     */
    static float dotQ4K(MemorySegment data, long base, Activations.Q8KBlocks a, int blocks) {
        short[] x = a.wide();
        int[] sums32 = a.sums32();
        float[] dx = a.d();
        FloatVector acc = FloatVector.zero(F);
        float minSum = 0;
        for (int b = 0; b < blocks; b++) {
            long block = base + b * (long) Q4KMatrix.BLOCK_BYTES;
            long scales = KScales.scales(data, block + 4);
            minSum += Numbers.f16(data.get(WeightMatrix.SHORT, block + 2)) * dx[b]
                    * KScales.weightedMins(KScales.mins(data, block + 4), sums32, b * 8);
            long qs = block + 16;
            IntVector scaled = IntVector.zero(I);
            for (int chunk = 0; chunk < 4; chunk++) {
                int at = b * 256 + chunk * 64;
                int lowScale = KScales.of(scales, 2 * chunk);
                int highScale = KScales.of(scales, 2 * chunk + 1);
                // a sub-block's 32 products, four to a short lane (each at most 15 * 127: the sum fits), then one
                // widening per sub-block
                ShortVector low = ShortVector.zero(S);
                ShortVector high = ShortVector.zero(S);
                for (int e = 0; e < 32; e += 8) {
                    ShortVector packed = unsigned(data, qs + chunk * 32 + e);
                    ShortVector lo = packed.and((short) 0x0F);
                    ShortVector hi = packed.lanewise(VectorOperators.LSHR, 4);
                    low = low.add(lo.mul(ShortVector.fromArray(S, x, at + e)));
                    high = high.add(hi.mul(ShortVector.fromArray(S, x, at + 32 + e)));
                }
                scaled = scaled.add(pairs(low).mul(lowScale)).add(pairs(high).mul(highScale));
            }
            float d = Numbers.f16(data.get(WeightMatrix.SHORT, block)) * dx[b];
            acc = ((FloatVector) scaled.convertShape(VectorOperators.I2F, F, 0)).fma(FloatVector.broadcast(F, d),
                    acc);
        }
        return acc.reduceLanes(VectorOperators.ADD) - minSum;
    }

    /**
     * Q6_K as {@link VectorKernels#dotQ6K}: 6-bit values put together from the low-nibble and high-bit bytes as short
     * lanes (0..63, times at most 127: fits), summed in pairs as ints and scaled by their group's 8-bit scale; the
     * offset of 32 comes off the integer total through the activations' group sums.
     */
    static float dotQ6K(MemorySegment data, long base, Activations.Q8KBlocks a, int blocks) {
        short[] x = a.wide();
        int[] sums = a.sums();
        float[] dx = a.d();
        float sum = 0;
        for (int b = 0; b < blocks; b++) {
            long block = base + b * (long) Q6KMatrix.BLOCK_BYTES;
            long scales = block + 192;
            int offset = 0;
            for (int g = 0; g < 16; g++) {
                offset += data.get(ValueLayout.JAVA_BYTE, scales + g) * sums[b * 16 + g];
            }
            IntVector scaled = IntVector.zero(I);
            // four parts of 16 columns, two to a half; each part's 16 columns hold values of four groups of 16,
            // two products to a short lane (each at most 63 * 127: the sum fits)
            for (int quarter = 0; quarter < 4; quarter++) {
                int half = quarter >>> 1;
                int part = quarter & 1;
                long groupScales = data.get(LONG, scales + 8 * half);
                int shift = part * 8;
                ShortVector q1 = ShortVector.zero(S);
                ShortVector q2 = ShortVector.zero(S);
                ShortVector q3 = ShortVector.zero(S);
                ShortVector q4 = ShortVector.zero(S);
                for (int e = 0; e < 16; e += 8) {
                    int column = part * 16 + e;
                    long ql = block + half * 64 + column;
                    int at = b * 256 + half * 128 + column;
                    ShortVector lowA = (ShortVector) ByteVector.fromMemorySegment(B64, data, ql, LE)
                            .convertShape(VectorOperators.ZERO_EXTEND_B2S, S, 0);
                    ShortVector lowB = (ShortVector) ByteVector.fromMemorySegment(B64, data, ql + 32, LE)
                            .convertShape(VectorOperators.ZERO_EXTEND_B2S, S, 0);
                    ShortVector high = (ShortVector) ByteVector.fromMemorySegment(B64, data,
                            block + 128 + half * 32 + column, LE).convertShape(VectorOperators.ZERO_EXTEND_B2S, S, 0);
                    q1 = q1.add(lowA.and((short) 15).or(high.and((short) 3).lanewise(VectorOperators.LSHL, 4))
                            .mul(ShortVector.fromArray(S, x, at)));
                    q2 = q2.add(lowB.and((short) 15).or(high.and((short) 12).lanewise(VectorOperators.LSHL, 2))
                            .mul(ShortVector.fromArray(S, x, at + 32)));
                    q3 = q3.add(lowA.lanewise(VectorOperators.LSHR, 4).or(high.and((short) 48))
                            .mul(ShortVector.fromArray(S, x, at + 64)));
                    q4 = q4.add(lowB.lanewise(VectorOperators.LSHR, 4)
                            .or(high.lanewise(VectorOperators.LSHR, 2).and((short) 48))
                            .mul(ShortVector.fromArray(S, x, at + 96)));
                }
                IntVector i1 = q1.reinterpretAsInts();
                IntVector i2 = q2.reinterpretAsInts();
                IntVector i3 = q3.reinterpretAsInts();
                IntVector i4 = q4.reinterpretAsInts();
                // pairs of short lanes as ints, written out: C2 boxes vectors passed to a helper it does not inline
                scaled = scaled
                        .add(i1.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16)
                                .add(i1.lanewise(VectorOperators.ASHR, 16)).mul((byte) (groupScales >>> shift)))
                        .add(i2.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16)
                                .add(i2.lanewise(VectorOperators.ASHR, 16)).mul((byte) (groupScales >>> (16 + shift))))
                        .add(i3.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16)
                                .add(i3.lanewise(VectorOperators.ASHR, 16)).mul((byte) (groupScales >>> (32 + shift))))
                        .add(i4.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16)
                                .add(i4.lanewise(VectorOperators.ASHR, 16)).mul((byte) (groupScales >>> (48 + shift))));
            }
            int total = scaled.reduceLanes(VectorOperators.ADD) - 32 * offset;
            sum += Numbers.f16(data.get(WeightMatrix.SHORT, block + 208)) * dx[b] * total;
        }
        return sum;
    }
}
