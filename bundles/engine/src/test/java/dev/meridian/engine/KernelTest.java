package dev.meridian.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.SplittableRandom;

import dev.meridian.engine.gguf.GgmlType;
import dev.meridian.engine.gguf.GgufFile;
import dev.meridian.engine.tensor.Activations;
import dev.meridian.engine.tensor.Numbers;
import dev.meridian.engine.tensor.WeightMatrix;
import dev.meridian.engine.tools.GgufWriter;
import dev.meridian.engine.tools.Quantizer;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Every tensor type against a scalar reference, on matrices the test writes into a GGUF file: dequantization
 * reproduces the encoded values within the type's step, and the (vector or scalar) dot product equals the dot of
 * the dequantized row with the activations as the type prepares them.
 */
class KernelTest {
    @TempDir
    Path dir;

    @ParameterizedTest
    @EnumSource(GgmlType.class)
    void dotEqualsTheScalarReference(GgmlType type) throws Exception {
        int rows = 8;
        int cols = 512;
        SplittableRandom random = new SplittableRandom(type.id);
        float[][] weights = new float[rows][cols];
        byte[] data = new byte[(int) type.bytes((long) rows * cols)];
        int rowBytes = (int) type.bytes(cols);
        for (int r = 0; r < rows; r++) {
            for (int i = 0; i < cols; i++) {
                weights[r][i] = (float) random.nextGaussian() * 0.5f;
            }
            System.arraycopy(Quantizer.encode(type, weights[r]), 0, data, r * rowBytes, rowBytes);
        }
        Path file = dir.resolve(type + ".gguf");
        new GgufWriter().tensor("w", type, data, cols, rows).write(file);
        try (GgufFile gguf = GgufFile.open(file)) {
            WeightMatrix matrix = WeightMatrix.of(gguf.tensor("w"));
            float[] x = new float[cols];
            for (int i = 0; i < cols; i++) {
                x[i] = (float) random.nextGaussian();
            }
            float[] row = new float[cols];
            for (int r = 0; r < rows; r++) {
                matrix.row(r, row);
                double step = switch (type) {
                    case F32 -> 0;
                    case F16, BF16 -> 0.01;
                    case Q8_0 -> 0.02;
                    case Q2_K -> 0.7; // four levels per 16 values, 4-bit scales and mins
                    case Q3_K -> 0.5;
                    default -> 0.35;
                };
                for (int i = 0; i < cols; i++) {
                    assertTrue(Math.abs(row[i] - weights[r][i]) <= step + 1e-6, type + " value " + i + ": "
                            + row[i] + " vs " + weights[r][i]);
                }
                double reference = reference(row, x, matrix.prepare(x));
                float dot = matrix.dot(r, matrix.prepare(x));
                Activations prepared = matrix.prepare(x);
                assertEquals(reference, dot, 1e-3 * (1 + Math.abs(reference)) + minimumTermSlack(row, prepared),
                        type + " row " + r);
            }
        }
    }

    @ParameterizedTest
    @EnumSource(GgmlType.class)
    void batchedMultiplicationEqualsOneDotAtATime(GgmlType type) throws Exception {
        int rows = 37; // two row tiles and a part, not a multiple of the kernel's four rows
        int cols = 512;
        SplittableRandom random = new SplittableRandom(31 + type.id);
        java.io.ByteArrayOutputStream data = new java.io.ByteArrayOutputStream();
        float[] w = new float[cols];
        for (int r = 0; r < rows; r++) {
            for (int i = 0; i < cols; i++) {
                w[i] = (float) random.nextGaussian();
            }
            data.writeBytes(Quantizer.encode(type, w));
        }
        Path file = dir.resolve("batch-" + type + ".gguf");
        new GgufWriter().tensor("w", type, data.toByteArray(), cols, rows).write(file);
        try (GgufFile gguf = GgufFile.open(file)) {
            WeightMatrix matrix = WeightMatrix.of(gguf.tensor("w"));
            int vectors = 11; // two tiles, fours and leftovers
            Activations[] x = new Activations[vectors];
            for (int t = 0; t < vectors; t++) {
                float[] v = new float[cols];
                for (int i = 0; i < cols; i++) {
                    v[i] = (float) random.nextGaussian();
                }
                x[t] = matrix.prepare(v);
            }
            float[][] out = new float[vectors][rows];
            matrix.multiply(x, out, 0, 3); // row ranges as the threads split them
            matrix.multiply(x, out, 3, rows);
            float[] row = new float[cols];
            for (int t = 0; t < vectors; t++) {
                for (int r = 0; r < rows; r++) {
                    // the two sum in different orders: allow float rounding on the scale of the terms' magnitudes
                    matrix.row(r, row);
                    double magnitude = 0;
                    for (int i = 0; i < cols; i++) {
                        magnitude += Math.abs(row[i] * activation(x[t], i));
                    }
                    float single = matrix.dot(r, x[t]);
                    assertEquals(single, out[t][r], 1e-6 * (1 + magnitude) + minimumTermSlack(row, x[t]),
                            type + " vector " + t + " row " + r);
                }
            }
        }
    }

    /**
     * Q5_0's layout, written by hand rather than by the quantizer: F16 scale, a little-endian int of fifth bits (bit
     * i for value i, bit i + 16 for value i + 16), then low nibbles for values 0..15 and high nibbles for 16..31; each
     * value minus 16. Row, dot (vector or scalar) and the prompt product all read it so.
     */
    @org.junit.jupiter.api.Test
    void q5_0LayoutAsGgmlDefinesIt() throws Exception {
        java.nio.ByteBuffer block = java.nio.ByteBuffer.allocate(22).order(java.nio.ByteOrder.LITTLE_ENDIAN);
        block.putShort(Float.floatToFloat16(0.5f));
        int fifthBits = 0b1010_0000_0000_0001_1000_0000_0000_0011; // values 0, 1, 15, 16, 29 and 31
        block.putInt(fifthBits);
        float[] expected = new float[32];
        for (int i = 0; i < 16; i++) {
            int low = i;
            int high = 15 - i;
            block.put((byte) (low | (high << 4)));
            expected[i] = ((low | ((fifthBits >>> i) & 1) << 4) - 16) * 0.5f;
            expected[i + 16] = ((high | ((fifthBits >>> (i + 16)) & 1) << 4) - 16) * 0.5f;
        }
        Path file = dir.resolve("q5_0.gguf");
        byte[] rows = new byte[22 * 8]; // eight rows of one block each, the same block
        for (int r = 0; r < 8; r++) {
            System.arraycopy(block.array(), 0, rows, r * 22, 22);
        }
        new GgufWriter().tensor("w", GgmlType.Q5_0, rows, 32, 8).write(file);
        try (GgufFile gguf = GgufFile.open(file)) {
            WeightMatrix matrix = WeightMatrix.of(gguf.tensor("w"));
            float[] row = new float[32];
            matrix.row(3, row);
            org.junit.jupiter.api.Assertions.assertArrayEquals(expected, row);
            float[] x = new float[32];
            x[0] = 1f;   // picks value 0
            x[31] = -1f; // and minus value 31
            Activations prepared = matrix.prepare(x);
            double exact = reference(expected, x, prepared);
            assertEquals(exact, matrix.dot(5, prepared), 1e-6);
            Activations[] batch = { prepared, prepared, prepared, prepared };
            float[][] out = new float[4][8];
            matrix.multiply(batch, out, 0, 8);
            assertEquals(exact, out[2][7], 1e-6);
        }
    }

    /**
     * Q4_1's and Q5_1's layouts, written by hand: F16 scale, F16 minimum, (Q5_1) a little-endian int of fifth bits,
     * then the nibbles as Q4_0's; value {@code d q + m}. The dot is ggml's: {@code d dx sum(q qx) + m s}, with
     * {@code s} the activations' scale times their block sum, rounded to F16.
     */
    @ParameterizedTest
    @EnumSource(value = GgmlType.class, names = { "Q4_1", "Q5_1" })
    void blocksWithAMinimumAsGgmlDefinesThem(GgmlType type) throws Exception {
        boolean five = type == GgmlType.Q5_1;
        java.nio.ByteBuffer block = java.nio.ByteBuffer.allocate(type.blockBytes)
                .order(java.nio.ByteOrder.LITTLE_ENDIAN);
        block.putShort(Float.floatToFloat16(0.5f)).putShort(Float.floatToFloat16(-3f));
        int fifthBits = 0b1010_0000_0000_0001_1000_0000_0000_0011;
        if (five) {
            block.putInt(fifthBits);
        }
        int[] q = new int[32];
        for (int i = 0; i < 16; i++) {
            block.put((byte) (i | ((15 - i) << 4)));
            q[i] = i | (five ? ((fifthBits >>> i) & 1) << 4 : 0);
            q[i + 16] = (15 - i) | (five ? ((fifthBits >>> (i + 16)) & 1) << 4 : 0);
        }
        float[] expected = new float[32];
        for (int i = 0; i < 32; i++) {
            expected[i] = q[i] * 0.5f - 3f;
        }
        byte[] rows = new byte[type.blockBytes * 8];
        for (int r = 0; r < 8; r++) {
            System.arraycopy(block.array(), 0, rows, r * type.blockBytes, type.blockBytes);
        }
        Path file = dir.resolve(type + "-layout.gguf");
        new GgufWriter().tensor("w", type, rows, 32, 8).write(file);
        try (GgufFile gguf = GgufFile.open(file)) {
            WeightMatrix matrix = WeightMatrix.of(gguf.tensor("w"));
            float[] row = new float[32];
            matrix.row(3, row);
            org.junit.jupiter.api.Assertions.assertArrayEquals(expected, row);
            float[] x = new float[32];
            x[0] = 1f;
            x[31] = 0.5f; // 127 and 64 (63.5 rounds to even) at scale 1/127
            Activations.Q8_1Blocks prepared = (Activations.Q8_1Blocks) matrix.prepare(x);
            float dx = Numbers.roundF16(1f / 127);
            assertEquals(dx, prepared.blocks().d()[0]);
            float s = Numbers.roundF16(1f / 127 * (127 + 64));
            assertEquals(s, prepared.s()[0]);
            double ggml = 0.5f * dx * (q[0] * 127 + q[31] * 64) + -3f * s;
            assertEquals(ggml, matrix.dot(5, prepared), 1e-5);
        }
    }

    /**
     * Any bit pattern a file may hold: blocks of all zeros, all ones and random bytes (scale fields set to 1 or
     * 0.5), against activations at the extremes (every value +-127 after quantization). Where a kernel sums
     * products in short lanes, these are the sums closest to overflowing: the dot must still equal the reference.
     */
    @ParameterizedTest
    @EnumSource(value = GgmlType.class, mode = EnumSource.Mode.EXCLUDE, names = { "F32", "F16", "BF16" })
    void extremeBlocksAndActivationsSumExactly(GgmlType type) throws Exception {
        int cols = 512;
        int rowBytes = (int) type.bytes(cols);
        int rows = 3;
        byte[] data = new byte[rowBytes * rows];
        java.util.Arrays.fill(data, rowBytes, 2 * rowBytes, (byte) 0xFF);
        byte[] random = new byte[rowBytes];
        new SplittableRandom(type.id).nextBytes(random);
        System.arraycopy(random, 0, data, 2 * rowBytes, rowBytes);
        java.nio.ByteBuffer buffer = java.nio.ByteBuffer.wrap(data).order(java.nio.ByteOrder.LITTLE_ENDIAN);
        int[] scaleFields = switch (type) {
            case Q4_1, Q5_1, Q4_K, Q5_K -> new int[] { 0, 2 };
            case Q2_K -> new int[] { 80, 82 };
            case Q3_K -> new int[] { 108 };
            case Q6_K -> new int[] { 208 };
            default -> new int[] { 0 };
        };
        for (int block = 0; block < data.length / type.blockBytes; block++) {
            for (int field : scaleFields) {
                buffer.putShort(block * type.blockBytes + field, Float.floatToFloat16(field == 0 ? 1f : 0.5f));
            }
        }
        Path file = dir.resolve("extreme-" + type + ".gguf");
        new GgufWriter().tensor("w", type, data, cols, rows).write(file);
        try (GgufFile gguf = GgufFile.open(file)) {
            WeightMatrix matrix = WeightMatrix.of(gguf.tensor("w"));
            for (float sign : new float[] { 1f, -1f }) {
                float[] x = new float[cols];
                for (int i = 0; i < cols; i++) {
                    x[i] = sign * (i % 3 == 0 ? -1f : 1f);
                }
                Activations prepared = matrix.prepare(x);
                float[] row = new float[cols];
                for (int r = 0; r < rows; r++) {
                    matrix.row(r, row);
                    double reference = reference(row, x, prepared);
                    double magnitude = 0;
                    for (int i = 0; i < cols; i++) {
                        magnitude += Math.abs(row[i] * activation(prepared, i));
                    }
                    assertEquals(reference, matrix.dot(r, prepared),
                            1e-5 * (1 + magnitude) + minimumTermSlack(row, prepared), type + " row " + r);
                }
            }
        }
    }

    /** The activation quantizers (vector or scalar) give ggml's values: scale, rounding ties to even, clipping. */
    @org.junit.jupiter.api.Test
    void activationQuantizersFollowGgml() {
        SplittableRandom random = new SplittableRandom(7);
        float[] x = new float[512];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) random.nextGaussian() * (i < 256 ? 1 : 1e-3f);
        }
        x[3] = 0.5f; // ties: 0.5, 1.5 and -2.5 times the inverse scale land on .5 for the block's amax of 127
        x[4] = 1.5f;
        x[5] = -2.5f;
        x[6] = 127f;
        java.util.Arrays.fill(x, 32, 64, 0f); // an all-zero block
        Activations.Q8Blocks q8 = Numbers.q8_0(x);
        for (int b = 0; b < x.length / 32; b++) {
            float amax = 0;
            for (int i = 0; i < 32; i++) {
                amax = Math.max(amax, Math.abs(x[b * 32 + i]));
            }
            float scale = amax / 127f;
            float inverse = scale != 0 ? 1f / scale : 0f;
            assertEquals(Numbers.roundF16(scale), q8.d()[b]);
            for (int i = b * 32; i < b * 32 + 32; i++) {
                int v = (int) Math.rint(x[i] * inverse);
                assertEquals(v, q8.q()[i], "q8_0 value " + i);
                assertEquals(v, q8.wide()[i]);
                assertEquals(v * q8.d()[b], q8.dequantized()[i]);
            }
        }
        Activations.Q8KBlocks q8k = Numbers.q8_K(x);
        for (int b = 0; b < x.length / 256; b++) {
            float max = 0;
            for (int i = b * 256; i < b * 256 + 256; i++) {
                if (Math.abs(x[i]) > Math.abs(max)) {
                    max = x[i];
                }
            }
            float iscale = -127f / max;
            assertEquals(1 / iscale, q8k.d()[b]);
            for (int i = b * 256; i < b * 256 + 256; i++) {
                int v = Math.min(127, (int) Math.rint(iscale * x[i]));
                assertEquals(v, q8k.q()[i], "q8_K value " + i);
                assertEquals(v, q8k.wide()[i]);
                assertEquals(v * q8k.d()[b], q8k.dequantized()[i]);
            }
            for (int g = 0; g < 16; g++) {
                int sum = 0;
                for (int i = 0; i < 16; i++) {
                    sum += q8k.q()[b * 256 + g * 16 + i];
                }
                assertEquals(sum, q8k.sums()[b * 16 + g]);
            }
        }
    }

    /** Σ row·x with x as the type's activations stand for it (dequantized Q8 blocks, rounded floats). */
    private static double reference(float[] row, float[] x, Activations prepared) {
        double sum = 0;
        for (int i = 0; i < row.length; i++) {
            sum += row[i] * activation(prepared, i);
        }
        return sum;
    }

    /**
     * What ggml's numerics allow Q4_1 and Q5_1 beyond float rounding: the dot multiplies each block's minimum (the
     * smallest value of the dequantized block) by the activations' block sum rounded to F16 (half a unit in the last
     * place: 2^-11 relative), where the references take the exact sum. Zero for the other types.
     */
    private static double minimumTermSlack(float[] row, Activations prepared) {
        if (!(prepared instanceof Activations.Q8_1Blocks q)) {
            return 0;
        }
        double slack = 0;
        for (int b = 0; b < q.s().length; b++) {
            float minimum = Float.MAX_VALUE;
            for (int i = 0; i < 32; i++) {
                minimum = Math.min(minimum, row[b * 32 + i]);
            }
            slack += Math.abs(minimum) * (Math.abs(q.s()[b]) + 1e-3) * 0x1p-10;
        }
        return slack;
    }

    private static double activation(Activations prepared, int i) {
        return switch (prepared) {
            case Activations.Floats f -> f.values()[i];
            case Activations.Q8Blocks q -> q.q()[i] * (double) q.d()[i / 32];
            case Activations.Q8_1Blocks q -> q.blocks().q()[i] * (double) q.blocks().d()[i / 32];
            case Activations.Q8KBlocks q -> q.q()[i] * (double) q.d()[i / 256];
        };
    }

    @ParameterizedTest
    @EnumSource(value = GgmlType.class, names = { "F16", "BF16" })
    void halfPrecisionRounding(GgmlType type) {
        float value = 1.0009765625f + 0.0001f;
        float rounded = type == GgmlType.F16 ? Numbers.roundF16(value) : Numbers.roundBf16(value);
        assertTrue(Math.abs(rounded - value) < (type == GgmlType.F16 ? 1e-3 : 1e-2));
    }
}
