package dev.meridian.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.SplittableRandom;

import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import dev.meridian.engine.gguf.GgmlType;
import dev.meridian.engine.gguf.GgufFile;
import dev.meridian.engine.gguf.GgufWriter;
import dev.meridian.engine.gguf.Quantizer;
import dev.meridian.engine.tensor.Activations;
import dev.meridian.engine.tensor.Numbers;
import dev.meridian.engine.tensor.WeightMatrix;

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
                    default -> 0.35;
                };
                for (int i = 0; i < cols; i++) {
                    assertTrue(Math.abs(row[i] - weights[r][i]) <= step + 1e-6, type + " value " + i + ": "
                            + row[i] + " vs " + weights[r][i]);
                }
                double reference = reference(row, x, matrix.prepare(x));
                float dot = matrix.dot(r, matrix.prepare(x));
                assertEquals(reference, dot, 1e-3 * (1 + Math.abs(reference)), type + " row " + r);
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
            for (int t = 0; t < vectors; t++) {
                for (int r = 0; r < rows; r++) {
                    float single = matrix.dot(r, x[t]);
                    assertEquals(single, out[t][r], 1e-5f * (1 + Math.abs(single)), type + " vector " + t + " row " + r);
                }
            }
        }
    }

    /** Σ row·x with x as the type's activations stand for it (dequantized Q8 blocks, rounded floats). */
    private static double reference(float[] row, float[] x, Activations prepared) {
        double sum = 0;
        for (int i = 0; i < row.length; i++) {
            double a = switch (prepared) {
                case Activations.Floats f -> f.values()[i];
                case Activations.Q8Blocks q -> q.q()[i] * (double) q.d()[i / 32];
                case Activations.Q8KBlocks q -> q.q()[i] * (double) q.d()[i / 256];
            };
            sum += row[i] * a;
        }
        return sum;
    }

    @ParameterizedTest
    @EnumSource(value = GgmlType.class, names = { "F16", "BF16" })
    void halfPrecisionRounding(GgmlType type) {
        float value = 1.0009765625f + 0.0001f;
        float rounded = type == GgmlType.F16 ? Numbers.roundF16(value) : Numbers.roundBf16(value);
        assertTrue(Math.abs(rounded - value) < (type == GgmlType.F16 ? 1e-3 : 1e-2));
    }
}
