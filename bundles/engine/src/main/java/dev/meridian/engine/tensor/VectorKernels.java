package dev.meridian.engine.tensor;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * The decoding kernels on the Vector API: one weight row times one prepared activation vector, per type. Loaded
 * only when {@link Kernels#VECTOR} says the Vector API is there. Weight bytes are widened to 16 bits and multiplied
 * with activations widened once per vector ({@link Activations.Q8Blocks#wide()}), the products summed exactly as
 * integers per block and scaled in float, as llama.cpp's SIMD paths do. Prompt processing is {@link FloatProduct};
 * the other float arithmetic {@link FloatKernels}.
 */
final class VectorKernels {
    private static final ByteOrder LE = ByteOrder.LITTLE_ENDIAN;
    private static final boolean WIDE = FloatVector.SPECIES_PREFERRED.vectorBitSize() >= 512;
    /** 128-bit vectors only (NEON-class CPUs; here {@code -XX:MaxVectorSize=16}): {@link NarrowKernels} decode. */
    static final boolean NARROW = FloatVector.SPECIES_PREFERRED.vectorBitSize() < 256;
    /** Shorts per step: 32 (one Q8_0 block) on 512-bit CPUs, 16 on 256-bit ones. */
    private static final VectorSpecies<Short> S = WIDE ? ShortVector.SPECIES_512 : ShortVector.SPECIES_256;
    private static final VectorSpecies<Byte> BS = WIDE ? ByteVector.SPECIES_256 : ByteVector.SPECIES_128;
    private static final VectorSpecies<Integer> I = WIDE ? IntVector.SPECIES_512 : IntVector.SPECIES_256;
    private static final VectorSpecies<Float> FI = WIDE ? FloatVector.SPECIES_512 : FloatVector.SPECIES_256;
    private static final VectorSpecies<Byte> B128 = ByteVector.SPECIES_128;
    private static final VectorSpecies<Byte> B64 = ByteVector.SPECIES_64;
    private static final VectorSpecies<Short> S256 = ShortVector.SPECIES_256;
    private static final VectorSpecies<Integer> I256 = IntVector.SPECIES_256;
    private static final VectorSpecies<Float> F256 = FloatVector.SPECIES_256;
    private static final VectorSpecies<Float> F512 = FloatVector.SPECIES_512;
    private static final ValueLayout.OfInt INT = ValueLayout.JAVA_INT_UNALIGNED.withOrder(LE);
    private static final ValueLayout.OfLong LONG = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(LE);

    private VectorKernels() {
    }

    static boolean available() {
        return FloatVector.SPECIES_PREFERRED.vectorBitSize() >= 128;
    }

    static String shape() {
        return (WIDE ? 512 : NARROW ? 128 : 256) + "-bit";
    }

    /** The products of {@code S.length()} weight bytes at {@code offset} with shorts of {@code x}, as int lanes. */
    private static IntVector products(MemorySegment data, long offset, short[] x, int at) {
        ShortVector p = ((ShortVector) ByteVector.fromMemorySegment(BS, data, offset, LE)
                .convertShape(VectorOperators.B2S, S, 0)).mul(ShortVector.fromArray(S, x, at));
        return ((IntVector) p.convertShape(VectorOperators.S2I, I, 0))
                .add((IntVector) p.convertShape(VectorOperators.S2I, I, 1));
    }

    static float dotQ8_0(MemorySegment data, long base, Activations.Q8Blocks a, int blocks) {
        if (NARROW) {
            return NarrowKernels.dotQ8_0(data, base, a, blocks);
        }
        if (!WIDE) {
            return dotQ8_0Narrow(data, base, a, blocks);
        }
        short[] x = a.wide();
        float[] d = a.d();
        FloatVector acc = FloatVector.zero(F512);
        for (int b = 0; b < blocks; b++) {
            long block = base + b * (long) Q8_0Matrix.BLOCK_BYTES;
            // two products per short lane (|sum| <= 2 * 128 * 127 fits), then one widening to 16 floats
            ShortVector w0 = (ShortVector) ByteVector.fromMemorySegment(B128, data, block + 2, LE)
                    .convertShape(VectorOperators.B2S, S256, 0);
            ShortVector w1 = (ShortVector) ByteVector.fromMemorySegment(B128, data, block + 18, LE)
                    .convertShape(VectorOperators.B2S, S256, 0);
            ShortVector p = w0.mul(ShortVector.fromArray(S256, x, b * 32))
                    .add(w1.mul(ShortVector.fromArray(S256, x, b * 32 + 16)));
            float scale = Numbers.f16(data.get(WeightMatrix.SHORT, block)) * d[b];
            acc = ((FloatVector) p.convertShape(VectorOperators.S2F, F512, 0))
                    .fma(FloatVector.broadcast(F512, scale), acc);
        }
        return acc.reduceLanes(VectorOperators.ADD);
    }

    private static float dotQ8_0Narrow(MemorySegment data, long base, Activations.Q8Blocks a, int blocks) {
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

    /**
     * Q4_0 with Q8_0 activations. The packed byte {@code p = lo + 16 hi} widens to a short lane once: with the
     * activations' nibble mix, {@code p x[i] + hi mix[i] - 8 (x[i] + x[i + 16]) = (lo - 8) x[i] + (hi - 8) x[i + 16]}.
     * The short arithmetic wraps on the way, but the result (at most 2 * 8 * 127 in magnitude) fits, so each lane is
     * exact, and so is the block's integer sum, as llama.cpp's. 256-bit throughout: in the whole model this ran
     * faster than widening to 16 floats in 512 bits, or two rows per pass (docs/benchmarks.md).
     */
    static float dotQ4_0(MemorySegment data, long base, Activations.Q8Blocks a, int blocks) {
        if (NARROW) {
            return NarrowKernels.dotQ4_0(data, base, a, blocks);
        }
        Activations.Q8Blocks mixed = a.nibbleMix() != null ? a : a.withNibbleMix();
        short[] x = mixed.wide();
        short[] mix = mixed.nibbleMix();
        short[] offset = mixed.nibbleOffset();
        float[] d = mixed.d();
        FloatVector acc = FloatVector.zero(F256);
        for (int b = 0; b < blocks; b++) {
            long block = base + b * (long) Q4_0Matrix.BLOCK_BYTES;
            ShortVector packed = (ShortVector) ByteVector.fromMemorySegment(B128, data, block + 2, LE)
                    .convertShape(VectorOperators.ZERO_EXTEND_B2S, S256, 0);
            ShortVector p = packed.mul(ShortVector.fromArray(S256, x, b * 32))
                    .add(packed.lanewise(VectorOperators.LSHR, 4).mul(ShortVector.fromArray(S256, mix, b * 16)))
                    .add(ShortVector.fromArray(S256, offset, b * 16));
            // adjacent short lanes summed as int lanes: each low half sign-extended plus the high half
            IntVector pairs = p.reinterpretAsInts();
            IntVector sum = pairs.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16)
                    .add(pairs.lanewise(VectorOperators.ASHR, 16));
            float scale = Numbers.f16(data.get(WeightMatrix.SHORT, block)) * d[b];
            acc = ((FloatVector) sum.convertShape(VectorOperators.I2F, F256, 0))
                    .fma(FloatVector.broadcast(F256, scale), acc);
        }
        return acc.reduceLanes(VectorOperators.ADD);
    }

    /**
     * Q5_0 with Q8_0 activations: the nibbles as in {@link #dotQ4_0}, then, for the fifth bit and the offset of 16
     * together, {@code 16 x} subtracted where a weight's fifth bit is clear (masks made straight from the block's
     * bits). Each short lane ends at most 2 * 16 * 127 in magnitude, so it is exact.
     */
    static float dotQ5_0(MemorySegment data, long base, Activations.Q8Blocks a, int blocks) {
        if (NARROW) {
            return NarrowKernels.dotQ5_0(data, base, a, blocks);
        }
        Activations.Q8Blocks mixed = a.nibbleMix() != null ? a : a.withNibbleMix();
        short[] x = mixed.wide();
        short[] mix = mixed.nibbleMix();
        float[] d = mixed.d();
        FloatVector acc = FloatVector.zero(F256);
        for (int b = 0; b < blocks; b++) {
            long block = base + b * (long) Q5_0Matrix.BLOCK_BYTES;
            int high = data.get(INT, block + 2);
            ShortVector x0 = ShortVector.fromArray(S256, x, b * 32);
            ShortVector x1 = ShortVector.fromArray(S256, x, b * 32 + 16);
            ShortVector packed = (ShortVector) ByteVector.fromMemorySegment(B128, data, block + 6, LE)
                    .convertShape(VectorOperators.ZERO_EXTEND_B2S, S256, 0);
            // (lo + 16 hl - 16) x0 + (hi + 16 hh - 16) x1 = lo x0 + hi x1 - 16 x0 where hl is 0 - 16 x1 where hh is 0
            ShortVector p = packed.mul(x0)
                    .add(packed.lanewise(VectorOperators.LSHR, 4).mul(ShortVector.fromArray(S256, mix, b * 16)))
                    .sub(x0.lanewise(VectorOperators.LSHL, 4), VectorMask.fromLong(S256, ~high & 0xFFFF))
                    .sub(x1.lanewise(VectorOperators.LSHL, 4), VectorMask.fromLong(S256, (~high >>> 16) & 0xFFFF));
            IntVector pairs = p.reinterpretAsInts();
            IntVector sum = pairs.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16)
                    .add(pairs.lanewise(VectorOperators.ASHR, 16));
            float scale = Numbers.f16(data.get(WeightMatrix.SHORT, block)) * d[b];
            acc = ((FloatVector) sum.convertShape(VectorOperators.I2F, F256, 0))
                    .fma(FloatVector.broadcast(F256, scale), acc);
        }
        return acc.reduceLanes(VectorOperators.ADD);
    }

    /**
     * Q4_1 and Q5_1 with Q8_1 activations (ggml's numerics): {@link #dotQ4_0}'s nibble products without the offset
     * of 8, for Q5_1 with {@code 16 x} added where a weight's fifth bit is set (masks straight from the block's bits;
     * each short lane ends at most 2 * 31 * 127 in magnitude, so it is exact); each block's sum times {@code d dx},
     * plus the minimum times the activations' block sum {@code s}.
     *
     * @param fifthBits Q5_1: a little-endian int of fifth bits after the scale and the minimum
     */
    static float dotWithMinimum(MemorySegment data, long base, Activations.Q8_1Blocks a, int blocks,
            boolean fifthBits) {
        if (NARROW) {
            return NarrowKernels.dotWithMinimum(data, base, a, blocks, fifthBits);
        }
        short[] x = a.blocks().wide();
        short[] mix = a.blocks().nibbleMix();
        float[] d = a.blocks().d();
        float[] s = a.s();
        int blockBytes = MinimumMatrix.blockBytes(fifthBits);
        int nibbles = MinimumMatrix.nibbles(fifthBits);
        FloatVector acc = FloatVector.zero(F256);
        float minSum = 0;
        for (int b = 0; b < blocks; b++) {
            long block = base + b * (long) blockBytes;
            ShortVector x0 = ShortVector.fromArray(S256, x, b * 32);
            ShortVector packed = (ShortVector) ByteVector.fromMemorySegment(B128, data, block + nibbles, LE)
                    .convertShape(VectorOperators.ZERO_EXTEND_B2S, S256, 0);
            ShortVector p = packed.mul(x0)
                    .add(packed.lanewise(VectorOperators.LSHR, 4).mul(ShortVector.fromArray(S256, mix, b * 16)));
            if (fifthBits) {
                int high = data.get(INT, block + 4);
                ShortVector x1 = ShortVector.fromArray(S256, x, b * 32 + 16);
                p = p.add(x0.lanewise(VectorOperators.LSHL, 4), VectorMask.fromLong(S256, high & 0xFFFF))
                        .add(x1.lanewise(VectorOperators.LSHL, 4), VectorMask.fromLong(S256, (high >>> 16) & 0xFFFF));
            }
            IntVector pairs = p.reinterpretAsInts();
            IntVector sum = pairs.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16)
                    .add(pairs.lanewise(VectorOperators.ASHR, 16));
            float scale = Numbers.f16(data.get(WeightMatrix.SHORT, block)) * d[b];
            acc = ((FloatVector) sum.convertShape(VectorOperators.I2F, F256, 0))
                    .fma(FloatVector.broadcast(F256, scale), acc);
            minSum += Numbers.f16(data.get(WeightMatrix.SHORT, block + 2)) * s[b];
        }
        return acc.reduceLanes(VectorOperators.ADD) + minSum;
    }

    static float dotQ4K(MemorySegment data, long base, Activations.Q8KBlocks a, int blocks) {
        if (NARROW) {
            return NarrowKernels.dotQ4K(data, base, a, blocks);
        }
        short[] x = a.wide();
        int[] sums32 = a.sums32();
        float[] dx = a.d();
        FloatVector acc = FloatVector.zero(F256);
        float minSum = 0;
        for (int b = 0; b < blocks; b++) {
            long block = base + b * (long) Q4KMatrix.BLOCK_BYTES;
            // the eight 6-bit scales and mins, four to an int (see KScales for the layout). Written out here rather
            // than calling KScales: in the whole model C2 then compiled this kernel 15% slower
            int p = data.get(INT, block + 4);
            int q = data.get(INT, block + 8);
            int r = data.get(INT, block + 12);
            int scales03 = p & 0x3F3F3F3F;
            int scales47 = (r & 0x0F0F0F0F) | ((p >>> 2) & 0x30303030);
            int mins03 = q & 0x3F3F3F3F;
            int mins47 = ((r >>> 4) & 0x0F0F0F0F) | ((q >>> 2) & 0x30303030);
            int g = b * 8;
            int mins = (mins03 & 0xFF) * sums32[g] + ((mins03 >>> 8) & 0xFF) * sums32[g + 1]
                    + ((mins03 >>> 16) & 0xFF) * sums32[g + 2] + (mins03 >>> 24) * sums32[g + 3]
                    + (mins47 & 0xFF) * sums32[g + 4] + ((mins47 >>> 8) & 0xFF) * sums32[g + 5]
                    + ((mins47 >>> 16) & 0xFF) * sums32[g + 6] + (mins47 >>> 24) * sums32[g + 7];
            minSum += Numbers.f16(data.get(WeightMatrix.SHORT, block + 2)) * dx[b] * mins;
            long qs = block + 16;
            int at = b * 256;
            // four chunks of 32 bytes, written out (a loop here costs branches; helpers would box the vectors)
            IntVector scaled = IntVector.zero(I256);
            {
                int offset = at + 0 * 64;
                ShortVector p0 = (ShortVector) ByteVector.fromMemorySegment(B128, data, qs + 0 * 32, LE)
                        .convertShape(VectorOperators.ZERO_EXTEND_B2S, S256, 0);
                ShortVector p1 = (ShortVector) ByteVector.fromMemorySegment(B128, data, qs + 0 * 32 + 16, LE)
                        .convertShape(VectorOperators.ZERO_EXTEND_B2S, S256, 0);
                ShortVector low = p0.and((short) 0x0F).mul(ShortVector.fromArray(S256, x, offset))
                        .add(p1.and((short) 0x0F).mul(ShortVector.fromArray(S256, x, offset + 16)));
                ShortVector high = p0.lanewise(VectorOperators.LSHR, 4)
                        .mul(ShortVector.fromArray(S256, x, offset + 32))
                        .add(p1.lanewise(VectorOperators.LSHR, 4).mul(ShortVector.fromArray(S256, x, offset + 48)));
                IntVector lowPairs = low.reinterpretAsInts();
                IntVector highPairs = high.reinterpretAsInts();
                scaled = scaled.add(lowPairs.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16)
                        .add(lowPairs.lanewise(VectorOperators.ASHR, 16)).mul(scales03 & 0xFF))
                        .add(highPairs.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16)
                                .add(highPairs.lanewise(VectorOperators.ASHR, 16)).mul((scales03 >>> 8) & 0xFF));
            }
            {
                int offset = at + 1 * 64;
                ShortVector p0 = (ShortVector) ByteVector.fromMemorySegment(B128, data, qs + 1 * 32, LE)
                        .convertShape(VectorOperators.ZERO_EXTEND_B2S, S256, 0);
                ShortVector p1 = (ShortVector) ByteVector.fromMemorySegment(B128, data, qs + 1 * 32 + 16, LE)
                        .convertShape(VectorOperators.ZERO_EXTEND_B2S, S256, 0);
                ShortVector low = p0.and((short) 0x0F).mul(ShortVector.fromArray(S256, x, offset))
                        .add(p1.and((short) 0x0F).mul(ShortVector.fromArray(S256, x, offset + 16)));
                ShortVector high = p0.lanewise(VectorOperators.LSHR, 4)
                        .mul(ShortVector.fromArray(S256, x, offset + 32))
                        .add(p1.lanewise(VectorOperators.LSHR, 4).mul(ShortVector.fromArray(S256, x, offset + 48)));
                IntVector lowPairs = low.reinterpretAsInts();
                IntVector highPairs = high.reinterpretAsInts();
                scaled = scaled.add(lowPairs.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16)
                        .add(lowPairs.lanewise(VectorOperators.ASHR, 16)).mul((scales03 >>> 16) & 0xFF))
                        .add(highPairs.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16)
                                .add(highPairs.lanewise(VectorOperators.ASHR, 16)).mul(scales03 >>> 24));
            }
            {
                int offset = at + 2 * 64;
                ShortVector p0 = (ShortVector) ByteVector.fromMemorySegment(B128, data, qs + 2 * 32, LE)
                        .convertShape(VectorOperators.ZERO_EXTEND_B2S, S256, 0);
                ShortVector p1 = (ShortVector) ByteVector.fromMemorySegment(B128, data, qs + 2 * 32 + 16, LE)
                        .convertShape(VectorOperators.ZERO_EXTEND_B2S, S256, 0);
                ShortVector low = p0.and((short) 0x0F).mul(ShortVector.fromArray(S256, x, offset))
                        .add(p1.and((short) 0x0F).mul(ShortVector.fromArray(S256, x, offset + 16)));
                ShortVector high = p0.lanewise(VectorOperators.LSHR, 4)
                        .mul(ShortVector.fromArray(S256, x, offset + 32))
                        .add(p1.lanewise(VectorOperators.LSHR, 4).mul(ShortVector.fromArray(S256, x, offset + 48)));
                IntVector lowPairs = low.reinterpretAsInts();
                IntVector highPairs = high.reinterpretAsInts();
                scaled = scaled.add(lowPairs.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16)
                        .add(lowPairs.lanewise(VectorOperators.ASHR, 16)).mul(scales47 & 0xFF))
                        .add(highPairs.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16)
                                .add(highPairs.lanewise(VectorOperators.ASHR, 16)).mul((scales47 >>> 8) & 0xFF));
            }
            {
                int offset = at + 3 * 64;
                ShortVector p0 = (ShortVector) ByteVector.fromMemorySegment(B128, data, qs + 3 * 32, LE)
                        .convertShape(VectorOperators.ZERO_EXTEND_B2S, S256, 0);
                ShortVector p1 = (ShortVector) ByteVector.fromMemorySegment(B128, data, qs + 3 * 32 + 16, LE)
                        .convertShape(VectorOperators.ZERO_EXTEND_B2S, S256, 0);
                ShortVector low = p0.and((short) 0x0F).mul(ShortVector.fromArray(S256, x, offset))
                        .add(p1.and((short) 0x0F).mul(ShortVector.fromArray(S256, x, offset + 16)));
                ShortVector high = p0.lanewise(VectorOperators.LSHR, 4)
                        .mul(ShortVector.fromArray(S256, x, offset + 32))
                        .add(p1.lanewise(VectorOperators.LSHR, 4).mul(ShortVector.fromArray(S256, x, offset + 48)));
                IntVector lowPairs = low.reinterpretAsInts();
                IntVector highPairs = high.reinterpretAsInts();
                scaled = scaled.add(lowPairs.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16)
                        .add(lowPairs.lanewise(VectorOperators.ASHR, 16)).mul((scales47 >>> 16) & 0xFF))
                        .add(highPairs.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16)
                                .add(highPairs.lanewise(VectorOperators.ASHR, 16)).mul(scales47 >>> 24));
            }
            float d = Numbers.f16(data.get(WeightMatrix.SHORT, block)) * dx[b];
            acc = ((FloatVector) scaled.convertShape(VectorOperators.I2F, F256, 0)).fma(FloatVector.broadcast(F256, d),
                    acc);
        }
        return acc.reduceLanes(VectorOperators.ADD) - minSum;
    }

    /**
     * Q5_K with Q8_K activations: {@link #dotQ4K} with a fifth bit for every value, from the 32 bytes before the
     * nibbles (bit {@code 2 k} of byte {@code i} for value {@code i} of chunk {@code k}'s low nibbles, the next bit for
     * its high nibbles). Products are at most 31 * 127, two to a short lane.
     */
    static float dotQ5K(MemorySegment data, long base, Activations.Q8KBlocks a, int blocks) {
        if (NARROW) {
            return NarrowKernels.dotQ5K(data, base, a, blocks);
        }
        short[] x = a.wide();
        int[] sums32 = a.sums32();
        float[] dx = a.d();
        FloatVector acc = FloatVector.zero(F256);
        float minSum = 0;
        for (int b = 0; b < blocks; b++) {
            long block = base + b * (long) Q5KMatrix.BLOCK_BYTES;
            int p = data.get(INT, block + 4);
            int q = data.get(INT, block + 8);
            int r = data.get(INT, block + 12);
            int scales03 = p & 0x3F3F3F3F;
            int scales47 = (r & 0x0F0F0F0F) | ((p >>> 2) & 0x30303030);
            int mins03 = q & 0x3F3F3F3F;
            int mins47 = ((r >>> 4) & 0x0F0F0F0F) | ((q >>> 2) & 0x30303030);
            int g = b * 8;
            int mins = (mins03 & 0xFF) * sums32[g] + ((mins03 >>> 8) & 0xFF) * sums32[g + 1]
                    + ((mins03 >>> 16) & 0xFF) * sums32[g + 2] + (mins03 >>> 24) * sums32[g + 3]
                    + (mins47 & 0xFF) * sums32[g + 4] + ((mins47 >>> 8) & 0xFF) * sums32[g + 5]
                    + ((mins47 >>> 16) & 0xFF) * sums32[g + 6] + (mins47 >>> 24) * sums32[g + 7];
            minSum += Numbers.f16(data.get(WeightMatrix.SHORT, block + 2)) * dx[b] * mins;
            ShortVector h0 = (ShortVector) ByteVector.fromMemorySegment(B128, data, block + 16, LE)
                    .convertShape(VectorOperators.ZERO_EXTEND_B2S, S256, 0);
            ShortVector h1 = (ShortVector) ByteVector.fromMemorySegment(B128, data, block + 32, LE)
                    .convertShape(VectorOperators.ZERO_EXTEND_B2S, S256, 0);
            long qs = block + 48;
            int at = b * 256;
            // four chunks of 32 bytes written out, the fifth bit of each value moved to bit 4 with constant shifts
            IntVector scaled = IntVector.zero(I256);
            {
                int offset = at;
                ShortVector p0 = (ShortVector) ByteVector.fromMemorySegment(B128, data, qs, LE)
                        .convertShape(VectorOperators.ZERO_EXTEND_B2S, S256, 0);
                ShortVector p1 = (ShortVector) ByteVector.fromMemorySegment(B128, data, qs + 16, LE)
                        .convertShape(VectorOperators.ZERO_EXTEND_B2S, S256, 0);
                ShortVector low0 = p0.and((short) 0x0F).or(h0.lanewise(VectorOperators.LSHL, 4).and((short) 16));
                ShortVector low1 = p1.and((short) 0x0F).or(h1.lanewise(VectorOperators.LSHL, 4).and((short) 16));
                ShortVector high0 = p0.lanewise(VectorOperators.LSHR, 4)
                        .or(h0.lanewise(VectorOperators.LSHL, 3).and((short) 16));
                ShortVector high1 = p1.lanewise(VectorOperators.LSHR, 4)
                        .or(h1.lanewise(VectorOperators.LSHL, 3).and((short) 16));
                IntVector lowPairs = low0.mul(ShortVector.fromArray(S256, x, offset))
                        .add(low1.mul(ShortVector.fromArray(S256, x, offset + 16))).reinterpretAsInts();
                IntVector highPairs = high0.mul(ShortVector.fromArray(S256, x, offset + 32))
                        .add(high1.mul(ShortVector.fromArray(S256, x, offset + 48))).reinterpretAsInts();
                scaled = scaled.add(lowPairs.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16)
                        .add(lowPairs.lanewise(VectorOperators.ASHR, 16)).mul(scales03 & 0xFF))
                        .add(highPairs.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16)
                                .add(highPairs.lanewise(VectorOperators.ASHR, 16)).mul((scales03 >>> 8) & 0xFF));
            }
            {
                int offset = at + 64;
                ShortVector p0 = (ShortVector) ByteVector.fromMemorySegment(B128, data, qs + 32, LE)
                        .convertShape(VectorOperators.ZERO_EXTEND_B2S, S256, 0);
                ShortVector p1 = (ShortVector) ByteVector.fromMemorySegment(B128, data, qs + 48, LE)
                        .convertShape(VectorOperators.ZERO_EXTEND_B2S, S256, 0);
                ShortVector low0 = p0.and((short) 0x0F).or(h0.lanewise(VectorOperators.LSHL, 2).and((short) 16));
                ShortVector low1 = p1.and((short) 0x0F).or(h1.lanewise(VectorOperators.LSHL, 2).and((short) 16));
                ShortVector high0 = p0.lanewise(VectorOperators.LSHR, 4)
                        .or(h0.lanewise(VectorOperators.LSHL, 1).and((short) 16));
                ShortVector high1 = p1.lanewise(VectorOperators.LSHR, 4)
                        .or(h1.lanewise(VectorOperators.LSHL, 1).and((short) 16));
                IntVector lowPairs = low0.mul(ShortVector.fromArray(S256, x, offset))
                        .add(low1.mul(ShortVector.fromArray(S256, x, offset + 16))).reinterpretAsInts();
                IntVector highPairs = high0.mul(ShortVector.fromArray(S256, x, offset + 32))
                        .add(high1.mul(ShortVector.fromArray(S256, x, offset + 48))).reinterpretAsInts();
                scaled = scaled.add(lowPairs.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16)
                        .add(lowPairs.lanewise(VectorOperators.ASHR, 16)).mul((scales03 >>> 16) & 0xFF))
                        .add(highPairs.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16)
                                .add(highPairs.lanewise(VectorOperators.ASHR, 16)).mul(scales03 >>> 24));
            }
            {
                int offset = at + 128;
                ShortVector p0 = (ShortVector) ByteVector.fromMemorySegment(B128, data, qs + 64, LE)
                        .convertShape(VectorOperators.ZERO_EXTEND_B2S, S256, 0);
                ShortVector p1 = (ShortVector) ByteVector.fromMemorySegment(B128, data, qs + 80, LE)
                        .convertShape(VectorOperators.ZERO_EXTEND_B2S, S256, 0);
                ShortVector low0 = p0.and((short) 0x0F).or(h0.and((short) 16));
                ShortVector low1 = p1.and((short) 0x0F).or(h1.and((short) 16));
                ShortVector high0 = p0.lanewise(VectorOperators.LSHR, 4)
                        .or(h0.lanewise(VectorOperators.LSHR, 1).and((short) 16));
                ShortVector high1 = p1.lanewise(VectorOperators.LSHR, 4)
                        .or(h1.lanewise(VectorOperators.LSHR, 1).and((short) 16));
                IntVector lowPairs = low0.mul(ShortVector.fromArray(S256, x, offset))
                        .add(low1.mul(ShortVector.fromArray(S256, x, offset + 16))).reinterpretAsInts();
                IntVector highPairs = high0.mul(ShortVector.fromArray(S256, x, offset + 32))
                        .add(high1.mul(ShortVector.fromArray(S256, x, offset + 48))).reinterpretAsInts();
                scaled = scaled.add(lowPairs.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16)
                        .add(lowPairs.lanewise(VectorOperators.ASHR, 16)).mul(scales47 & 0xFF))
                        .add(highPairs.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16)
                                .add(highPairs.lanewise(VectorOperators.ASHR, 16)).mul((scales47 >>> 8) & 0xFF));
            }
            {
                int offset = at + 192;
                ShortVector p0 = (ShortVector) ByteVector.fromMemorySegment(B128, data, qs + 96, LE)
                        .convertShape(VectorOperators.ZERO_EXTEND_B2S, S256, 0);
                ShortVector p1 = (ShortVector) ByteVector.fromMemorySegment(B128, data, qs + 112, LE)
                        .convertShape(VectorOperators.ZERO_EXTEND_B2S, S256, 0);
                ShortVector low0 = p0.and((short) 0x0F).or(h0.lanewise(VectorOperators.LSHR, 2).and((short) 16));
                ShortVector low1 = p1.and((short) 0x0F).or(h1.lanewise(VectorOperators.LSHR, 2).and((short) 16));
                ShortVector high0 = p0.lanewise(VectorOperators.LSHR, 4)
                        .or(h0.lanewise(VectorOperators.LSHR, 3).and((short) 16));
                ShortVector high1 = p1.lanewise(VectorOperators.LSHR, 4)
                        .or(h1.lanewise(VectorOperators.LSHR, 3).and((short) 16));
                IntVector lowPairs = low0.mul(ShortVector.fromArray(S256, x, offset))
                        .add(low1.mul(ShortVector.fromArray(S256, x, offset + 16))).reinterpretAsInts();
                IntVector highPairs = high0.mul(ShortVector.fromArray(S256, x, offset + 32))
                        .add(high1.mul(ShortVector.fromArray(S256, x, offset + 48))).reinterpretAsInts();
                scaled = scaled.add(lowPairs.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16)
                        .add(lowPairs.lanewise(VectorOperators.ASHR, 16)).mul((scales47 >>> 16) & 0xFF))
                        .add(highPairs.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16)
                                .add(highPairs.lanewise(VectorOperators.ASHR, 16)).mul(scales47 >>> 24));
            }
            float d = Numbers.f16(data.get(WeightMatrix.SHORT, block)) * dx[b];
            acc = ((FloatVector) scaled.convertShape(VectorOperators.I2F, F256, 0)).fma(FloatVector.broadcast(F256, d),
                    acc);
        }
        return acc.reduceLanes(VectorOperators.ADD) - minSum;
    }

    /**
     * Q6_K with Q8_K activations. Per super-block and per part of 16 columns, the 6-bit values of four 16-value
     * groups are put together from the low-nibble and high-bit bytes as short lanes (0..63), multiplied by the
     * activations, summed in pairs as ints and scaled by their group's 8-bit scale. The offset of 32 comes off the
     * integer total through the activations' group sums, so the super-block's sum is llama.cpp's integer sum.
     */
    static float dotQ6K(MemorySegment data, long base, Activations.Q8KBlocks a, int blocks) {
        if (NARROW) {
            return NarrowKernels.dotQ6K(data, base, a, blocks);
        }
        short[] x = a.wide();
        int[] sums = a.sums();
        float[] dx = a.d();
        float sum = 0;
        for (int b = 0; b < blocks; b++) {
            long block = base + b * (long) Q6KMatrix.BLOCK_BYTES;
            long scales = block + 192;
            int offset = ((IntVector) ByteVector.fromMemorySegment(B64, data, scales, LE)
                    .convertShape(VectorOperators.B2I, I256, 0)).mul(IntVector.fromArray(I256, sums, b * 16))
                    .add(((IntVector) ByteVector.fromMemorySegment(B64, data, scales + 8, LE)
                            .convertShape(VectorOperators.B2I, I256, 0))
                            .mul(IntVector.fromArray(I256, sums, b * 16 + 8)))
                    .reduceLanes(VectorOperators.ADD);
            // per half, two parts of 16 columns written out (fewer branches; written out in full, the method grows
            // past what C2 inlines, and it then boxes the vectors); pairs of short lanes (each at most 63 * 127)
            // are summed as ints
            // the 16 signed 8-bit scales, eight to a long, taken out by constant shifts
            long scales0 = data.get(LONG, scales);
            long scales1 = data.get(LONG, scales + 8);
            IntVector scaled = IntVector.zero(I256);
            for (int half = 0; half < 2; half++) {
                long groupScales = half == 0 ? scales0 : scales1;
                {
                    long ql = block + half * 64;
                    int at = b * 256 + half * 128;
                    ShortVector lowA = (ShortVector) ByteVector.fromMemorySegment(B128, data, ql, LE)
                            .convertShape(VectorOperators.ZERO_EXTEND_B2S, S256, 0);
                    ShortVector lowB = (ShortVector) ByteVector.fromMemorySegment(B128, data, ql + 32, LE)
                            .convertShape(VectorOperators.ZERO_EXTEND_B2S, S256, 0);
                    ShortVector high = (ShortVector) ByteVector.fromMemorySegment(B128, data,
                            block + 128 + half * 32, LE)
                            .convertShape(VectorOperators.ZERO_EXTEND_B2S, S256, 0);
                    ShortVector p1 = lowA.and((short) 15).or(high.and((short) 3).lanewise(VectorOperators.LSHL, 4))
                            .mul(ShortVector.fromArray(S256, x, at));
                    ShortVector p2 = lowB.and((short) 15).or(high.and((short) 12).lanewise(VectorOperators.LSHL, 2))
                            .mul(ShortVector.fromArray(S256, x, at + 32));
                    ShortVector p3 = lowA.lanewise(VectorOperators.LSHR, 4).or(high.and((short) 48))
                            .mul(ShortVector.fromArray(S256, x, at + 64));
                    ShortVector p4 = lowB.lanewise(VectorOperators.LSHR, 4)
                            .or(high.lanewise(VectorOperators.LSHR, 2).and((short) 48))
                            .mul(ShortVector.fromArray(S256, x, at + 96));
                    IntVector i1 = p1.reinterpretAsInts();
                    IntVector i2 = p2.reinterpretAsInts();
                    IntVector i3 = p3.reinterpretAsInts();
                    IntVector i4 = p4.reinterpretAsInts();
                    scaled = scaled
                            .add(i1.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16)
                                    .add(i1.lanewise(VectorOperators.ASHR, 16))
                                    .mul((byte) groupScales))
                            .add(i2.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16)
                                    .add(i2.lanewise(VectorOperators.ASHR, 16))
                                    .mul((byte) (groupScales >>> 16)))
                            .add(i3.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16)
                                    .add(i3.lanewise(VectorOperators.ASHR, 16))
                                    .mul((byte) (groupScales >>> 32)))
                            .add(i4.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16)
                                    .add(i4.lanewise(VectorOperators.ASHR, 16))
                                    .mul((byte) (groupScales >>> 48)));
                }
                {
                    long ql = block + half * 64 + 16;
                    int at = b * 256 + half * 128 + 16;
                    ShortVector lowA = (ShortVector) ByteVector.fromMemorySegment(B128, data, ql, LE)
                            .convertShape(VectorOperators.ZERO_EXTEND_B2S, S256, 0);
                    ShortVector lowB = (ShortVector) ByteVector.fromMemorySegment(B128, data, ql + 32, LE)
                            .convertShape(VectorOperators.ZERO_EXTEND_B2S, S256, 0);
                    ShortVector high = (ShortVector) ByteVector.fromMemorySegment(B128, data,
                            block + 128 + half * 32 + 16, LE)
                            .convertShape(VectorOperators.ZERO_EXTEND_B2S, S256, 0);
                    ShortVector p1 = lowA.and((short) 15).or(high.and((short) 3).lanewise(VectorOperators.LSHL, 4))
                            .mul(ShortVector.fromArray(S256, x, at));
                    ShortVector p2 = lowB.and((short) 15).or(high.and((short) 12).lanewise(VectorOperators.LSHL, 2))
                            .mul(ShortVector.fromArray(S256, x, at + 32));
                    ShortVector p3 = lowA.lanewise(VectorOperators.LSHR, 4).or(high.and((short) 48))
                            .mul(ShortVector.fromArray(S256, x, at + 64));
                    ShortVector p4 = lowB.lanewise(VectorOperators.LSHR, 4)
                            .or(high.lanewise(VectorOperators.LSHR, 2).and((short) 48))
                            .mul(ShortVector.fromArray(S256, x, at + 96));
                    IntVector i1 = p1.reinterpretAsInts();
                    IntVector i2 = p2.reinterpretAsInts();
                    IntVector i3 = p3.reinterpretAsInts();
                    IntVector i4 = p4.reinterpretAsInts();
                    scaled = scaled
                            .add(i1.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16)
                                    .add(i1.lanewise(VectorOperators.ASHR, 16))
                                    .mul((byte) (groupScales >>> 8)))
                            .add(i2.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16)
                                    .add(i2.lanewise(VectorOperators.ASHR, 16))
                                    .mul((byte) (groupScales >>> 24)))
                            .add(i3.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16)
                                    .add(i3.lanewise(VectorOperators.ASHR, 16))
                                    .mul((byte) (groupScales >>> 40)))
                            .add(i4.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16)
                                    .add(i4.lanewise(VectorOperators.ASHR, 16))
                                    .mul((byte) (groupScales >>> 56)));
                }
            }
            int total = scaled.reduceLanes(VectorOperators.ADD) - 32 * offset;
            sum += Numbers.f16(data.get(WeightMatrix.SHORT, block + 208)) * dx[b] * total;
        }
        return sum;
    }
}
