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

    /** Whether the batched float kernels run: they use 512-bit vectors (16 floats, half a block). */
    static boolean batched() {
        return WIDE;
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

    /**
     * Four dot products of one Q8_0 row with four activation vectors, for prompt processing. Each weight block is
     * converted to floats once for all four. Products of two 8-bit values and their sums within a block are whole
     * numbers far below 2^24, so float arithmetic computes them exactly, lane for lane as {@link #dotQ8_0} does in
     * integers: the results are the same.
     */
    static void dotQ8_0x4(MemorySegment data, long base, Activations.Q8Blocks a0, Activations.Q8Blocks a1,
            Activations.Q8Blocks a2, Activations.Q8Blocks a3, int blocks, float[] out) {
        float[] x0 = a0.floats();
        float[] x1 = a1.floats();
        float[] x2 = a2.floats();
        float[] x3 = a3.floats();
        FloatVector acc0 = FloatVector.zero(F512);
        FloatVector acc1 = FloatVector.zero(F512);
        FloatVector acc2 = FloatVector.zero(F512);
        FloatVector acc3 = FloatVector.zero(F512);
        for (int b = 0; b < blocks; b++) {
            long block = base + b * (long) Q8_0Matrix.BLOCK_BYTES;
            float dw = Numbers.f16(data.get(WeightMatrix.SHORT, block));
            FloatVector w0 = (FloatVector) ByteVector.fromMemorySegment(B128, data, block + 2, LE)
                    .convertShape(VectorOperators.B2F, F512, 0);
            FloatVector w1 = (FloatVector) ByteVector.fromMemorySegment(B128, data, block + 18, LE)
                    .convertShape(VectorOperators.B2F, F512, 0);
            int at = b * 32;
            acc0 = w1.fma(FloatVector.fromArray(F512, x0, at + 16), w0.mul(FloatVector.fromArray(F512, x0, at)))
                    .fma(FloatVector.broadcast(F512, dw * a0.d()[b]), acc0);
            acc1 = w1.fma(FloatVector.fromArray(F512, x1, at + 16), w0.mul(FloatVector.fromArray(F512, x1, at)))
                    .fma(FloatVector.broadcast(F512, dw * a1.d()[b]), acc1);
            acc2 = w1.fma(FloatVector.fromArray(F512, x2, at + 16), w0.mul(FloatVector.fromArray(F512, x2, at)))
                    .fma(FloatVector.broadcast(F512, dw * a2.d()[b]), acc2);
            acc3 = w1.fma(FloatVector.fromArray(F512, x3, at + 16), w0.mul(FloatVector.fromArray(F512, x3, at)))
                    .fma(FloatVector.broadcast(F512, dw * a3.d()[b]), acc3);
        }
        out[0] = acc0.reduceLanes(VectorOperators.ADD);
        out[1] = acc1.reduceLanes(VectorOperators.ADD);
        out[2] = acc2.reduceLanes(VectorOperators.ADD);
        out[3] = acc3.reduceLanes(VectorOperators.ADD);
    }

    private static final VectorSpecies<Float> F512 = FloatVector.SPECIES_512;

    /**
     * Four dot products of one Q4_0 row with four activation vectors, for prompt processing, in float: exact for the
     * same reason as {@link #dotQ8_0x4} (a nibble times an 8-bit value, summed over a block, stays a small whole
     * number), lane for lane as {@link #dotQ4_0} sums in integers.
     */
    static void dotQ4_0x4(MemorySegment data, long base, Activations.Q8Blocks a0, Activations.Q8Blocks a1,
            Activations.Q8Blocks a2, Activations.Q8Blocks a3, int blocks, float[] out) {
        float[] x0 = a0.floats();
        float[] x1 = a1.floats();
        float[] x2 = a2.floats();
        float[] x3 = a3.floats();
        FloatVector acc0 = FloatVector.zero(F512);
        FloatVector acc1 = FloatVector.zero(F512);
        FloatVector acc2 = FloatVector.zero(F512);
        FloatVector acc3 = FloatVector.zero(F512);
        for (int b = 0; b < blocks; b++) {
            long block = base + b * (long) Q4_0Matrix.BLOCK_BYTES;
            float dw = Numbers.f16(data.get(WeightMatrix.SHORT, block));
            ByteVector packed = ByteVector.fromMemorySegment(B128, data, block + 2, LE);
            FloatVector w0 = (FloatVector) packed.and((byte) 0x0F).sub((byte) 8)
                    .convertShape(VectorOperators.B2F, F512, 0);
            FloatVector w1 = (FloatVector) packed.lanewise(VectorOperators.LSHR, 4).and((byte) 0x0F).sub((byte) 8)
                    .convertShape(VectorOperators.B2F, F512, 0);
            int at = b * 32;
            acc0 = w1.fma(FloatVector.fromArray(F512, x0, at + 16), w0.mul(FloatVector.fromArray(F512, x0, at)))
                    .fma(FloatVector.broadcast(F512, dw * a0.d()[b]), acc0);
            acc1 = w1.fma(FloatVector.fromArray(F512, x1, at + 16), w0.mul(FloatVector.fromArray(F512, x1, at)))
                    .fma(FloatVector.broadcast(F512, dw * a1.d()[b]), acc1);
            acc2 = w1.fma(FloatVector.fromArray(F512, x2, at + 16), w0.mul(FloatVector.fromArray(F512, x2, at)))
                    .fma(FloatVector.broadcast(F512, dw * a2.d()[b]), acc2);
            acc3 = w1.fma(FloatVector.fromArray(F512, x3, at + 16), w0.mul(FloatVector.fromArray(F512, x3, at)))
                    .fma(FloatVector.broadcast(F512, dw * a3.d()[b]), acc3);
        }
        out[0] = acc0.reduceLanes(VectorOperators.ADD);
        out[1] = acc1.reduceLanes(VectorOperators.ADD);
        out[2] = acc2.reduceLanes(VectorOperators.ADD);
        out[3] = acc3.reduceLanes(VectorOperators.ADD);
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
