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
    /** Short lanes per step. */
    private static final int L = S.length();
    private static final VectorSpecies<Byte> B128 = ByteVector.SPECIES_128;
    private static final ByteVector LEVELS = ByteVector.fromArray(B128, IQ4NLMatrix.LEVELS, 0);
    private static final ValueLayout.OfLong LONG = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(LE);

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
            IntVector scaled = IntVector.zero(I);
            for (int j = 0; j < 8; j++) {
                scaled = scaled.add(levelProducts(data, block + 8 + 16 * j, x, b * 256 + 32 * j)
                        .mul(IQ4XSMatrix.scale(data, block, j)));
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
     * Q3_K: the values taken as {@code low + 4 high} (0..7) times the activations, summed in pairs as ints and scaled
     * by their group's signed 6-bit scale; the offset of 4 comes off the integer total through the activations' sums
     * of 16, so the super-block's sum is ggml's integer sum.
     */
    static float dotQ3K(MemorySegment data, long base, Activations.Q8KBlocks a, int blocks) {
        short[] x = a.wide();
        int[] sums = a.sums();
        float[] dx = a.d();
        int[] scales = new int[16];
        float sum = 0;
        for (int b = 0; b < blocks; b++) {
            long block = base + b * (long) Q3KMatrix.BLOCK_BYTES;
            Q3KMatrix.scales(data, block, scales);
            int offset = 0;
            for (int g = 0; g < 16; g++) {
                offset += scales[g] * sums[b * 16 + g];
            }
            IntVector scaled = IntVector.zero(I);
            for (int part = 0; part < 32 / L; part++) {
                // the high bits of values l = part * L.., moved up by 2 so that bit 4n + j lands on bit 2 below
                ShortVector high = unsigned(data, block + part * L).lanewise(VectorOperators.LSHL, 2);
                int half = part * L / 16;
                for (int n = 0; n < 2; n++) {
                    ShortVector packed = unsigned(data, block + 32 + n * 32 + part * L);
                    int at = b * 256 + n * 128 + part * L;
                    for (int j = 0; j < 4; j++) {
                        ShortVector v = packed.lanewise(VectorOperators.LSHR, 2 * j).and((short) 3)
                                .or(high.lanewise(VectorOperators.LSHR, 4 * n + j).and((short) 4));
                        scaled = scaled.add(pairs(v.mul(ShortVector.fromArray(S, x, at + 32 * j)))
                                .mul(scales[n * 8 + 2 * j + half]));
                    }
                }
            }
            int total = scaled.reduceLanes(VectorOperators.ADD) - 4 * offset;
            sum += Numbers.f16(data.get(WeightMatrix.SHORT, block + 108)) * dx[b] * total;
        }
        return sum;
    }
}
