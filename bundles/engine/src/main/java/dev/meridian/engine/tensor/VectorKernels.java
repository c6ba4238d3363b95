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
 * Dot-product kernels on the Vector API, loaded only when {@link Kernels#VECTOR} says it is there. Integer products
 * of 8-bit blocks are widened to 16 and 32 bits, summed per block, then scaled in float, as llama.cpp's SIMD paths do.
 */
final class VectorKernels {
    private static final ByteOrder LE = ByteOrder.LITTLE_ENDIAN;
    private static final VectorSpecies<Float> F = FloatVector.SPECIES_256;
    private static final VectorSpecies<Byte> B128 = ByteVector.SPECIES_128;
    private static final VectorSpecies<Byte> B256 = ByteVector.SPECIES_256;
    private static final VectorSpecies<Short> S256 = ShortVector.SPECIES_256;
    private static final VectorSpecies<Integer> I256 = IntVector.SPECIES_256;

    private VectorKernels() {
    }

    static boolean available() {
        return FloatVector.SPECIES_PREFERRED.vectorBitSize() >= 256;
    }

    static String shape() {
        return FloatVector.SPECIES_PREFERRED.vectorBitSize() + "-bit";
    }

    static float dotF32(MemorySegment data, long base, float[] x, int n) {
        FloatVector acc = FloatVector.zero(F);
        int i = 0;
        int bound = F.loopBound(n);
        for (; i < bound; i += F.length()) {
            FloatVector w = FloatVector.fromMemorySegment(F, data, base + i * 4L, LE);
            acc = w.fma(FloatVector.fromArray(F, x, i), acc);
        }
        float sum = acc.reduceLanes(VectorOperators.ADD);
        for (; i < n; i++) {
            sum += data.get(WeightMatrix.FLOAT, base + i * 4L) * x[i];
        }
        return sum;
    }

    /** Sum of the 16-bit products of two 16-byte vectors, as 8 int lanes. */
    private static IntVector products(ByteVector a, ByteVector b) {
        ShortVector p = ((ShortVector) a.convertShape(VectorOperators.B2S, S256, 0))
                .mul((ShortVector) b.convertShape(VectorOperators.B2S, S256, 0));
        return ((IntVector) p.convertShape(VectorOperators.S2I, I256, 0))
                .add((IntVector) p.convertShape(VectorOperators.S2I, I256, 1));
    }

    static float dotQ8_0(MemorySegment data, long base, Activations.Q8Blocks a, int blocks) {
        byte[] q = a.q();
        float[] d = a.d();
        FloatVector acc = FloatVector.zero(F);
        for (int b = 0; b < blocks; b++) {
            long block = base + b * (long) Q8_0Matrix.BLOCK_BYTES;
            ByteVector w0 = ByteVector.fromMemorySegment(B128, data, block + 2, LE);
            ByteVector w1 = ByteVector.fromMemorySegment(B128, data, block + 18, LE);
            IntVector sum = products(w0, ByteVector.fromArray(B128, q, b * 32))
                    .add(products(w1, ByteVector.fromArray(B128, q, b * 32 + 16)));
            float scale = Numbers.f16(data.get(WeightMatrix.SHORT, block)) * d[b];
            acc = ((FloatVector) sum.convertShape(VectorOperators.I2F, F, 0)).fma(FloatVector.broadcast(F, scale), acc);
        }
        return acc.reduceLanes(VectorOperators.ADD);
    }

    static float dotQ4_0(MemorySegment data, long base, Activations.Q8Blocks a, int blocks) {
        byte[] q = a.q();
        float[] d = a.d();
        FloatVector acc = FloatVector.zero(F);
        for (int b = 0; b < blocks; b++) {
            long block = base + b * (long) Q4_0Matrix.BLOCK_BYTES;
            ByteVector packed = ByteVector.fromMemorySegment(B128, data, block + 2, LE);
            ByteVector low = packed.and((byte) 0x0F).sub((byte) 8);
            ByteVector high = packed.lanewise(VectorOperators.LSHR, 4).and((byte) 0x0F).sub((byte) 8);
            IntVector sum = products(low, ByteVector.fromArray(B128, q, b * 32))
                    .add(products(high, ByteVector.fromArray(B128, q, b * 32 + 16)));
            float scale = Numbers.f16(data.get(WeightMatrix.SHORT, block)) * d[b];
            acc = ((FloatVector) sum.convertShape(VectorOperators.I2F, F, 0)).fma(FloatVector.broadcast(F, scale), acc);
        }
        return acc.reduceLanes(VectorOperators.ADD);
    }

    static float dotQ4K(MemorySegment data, long base, Activations.Q8KBlocks a, int blocks) {
        byte[] q = a.q();
        float sum = 0;
        for (int b = 0; b < blocks; b++) {
            long block = base + b * (long) Q4KMatrix.BLOCK_BYTES;
            float d = Numbers.f16(data.get(WeightMatrix.SHORT, block)) * a.d()[b];
            float dmin = Numbers.f16(data.get(WeightMatrix.SHORT, block + 2)) * a.d()[b];
            long scales = block + 4;
            long qs = block + 16;
            IntVector scaled = IntVector.zero(I256);
            int sumMins = 0;
            for (int chunk = 0; chunk < 4; chunk++) {
                int offset = b * 256 + chunk * 64;
                for (int half = 0; half < 2; half++) {
                    ByteVector packed = ByteVector.fromMemorySegment(B128, data, qs + chunk * 32 + half * 16, LE);
                    ByteVector low = packed.and((byte) 0x0F);
                    ByteVector high = packed.lanewise(VectorOperators.LSHR, 4).and((byte) 0x0F);
                    IntVector lowSum = products(low, ByteVector.fromArray(B128, q, offset + half * 16));
                    IntVector highSum = products(high, ByteVector.fromArray(B128, q, offset + 32 + half * 16));
                    scaled = scaled.add(lowSum.mul(Q4KMatrix.scaleMin(data, scales, 2 * chunk, 0)))
                            .add(highSum.mul(Q4KMatrix.scaleMin(data, scales, 2 * chunk + 1, 0)));
                }
            }
            for (int j = 0; j < 8; j++) {
                sumMins += Q4KMatrix.scaleMin(data, scales, j, 1)
                        * (a.sums()[b * 16 + 2 * j] + a.sums()[b * 16 + 2 * j + 1]);
            }
            sum += d * scaled.reduceLanes(VectorOperators.ADD) - dmin * sumMins;
        }
        return sum;
    }
}
