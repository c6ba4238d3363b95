package dev.meridian.engine.tensor;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Path;
import java.util.EnumSet;
import java.util.Set;
import java.util.SplittableRandom;

import dev.meridian.engine.gguf.GgmlType;
import dev.meridian.engine.gguf.GgufFile;
import dev.meridian.engine.tools.GgufWriter;
import dev.meridian.engine.tools.Quantizer;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The decoding kernel of every type against its scalar reference ({@link WeightMatrix#referenceDot}), at whatever
 * width this JVM runs (bin/test runs it at 512, 256 and 128 bits and on the scalar kernels). For Q3_K and Q6_K the
 * result is the same float, bit for bit: one integer sum per super-block, then the reference's float expression, so
 * they decode the same numbers at every width. The other kernels scale their blocks' integer sums lane by lane in
 * lanes of the width's own shape (a horizontal sum per block measured 5-18% slower): equal within float rounding.
 */
class ReferenceDotTest {
    /** The types whose kernels give the reference's float exactly, at every width. */
    static final Set<GgmlType> EXACT = EnumSet.of(GgmlType.Q3_K, GgmlType.Q6_K);

    @TempDir
    Path dir;

    @ParameterizedTest
    @EnumSource(value = GgmlType.class, mode = EnumSource.Mode.EXCLUDE, names = { "F32", "F16", "BF16" })
    void kernelGivesTheReferenceSum(GgmlType type) throws Exception {
        int rows = 12;
        int cols = 1024;
        SplittableRandom random = new SplittableRandom(100 + type.id);
        java.io.ByteArrayOutputStream data = new java.io.ByteArrayOutputStream();
        float[] w = new float[cols];
        for (int r = 0; r < rows; r++) {
            for (int i = 0; i < cols; i++) {
                w[i] = (float) (random.nextGaussian() * (i % 37 == 0 ? 3 : 0.5));
            }
            data.writeBytes(Quantizer.encode(type, w));
        }
        Path file = dir.resolve(type + ".gguf");
        new GgufWriter().tensor("w", type, data.toByteArray(), cols, rows).write(file);
        try (GgufFile gguf = GgufFile.open(file)) {
            WeightMatrix matrix = WeightMatrix.of(gguf.tensor("w"));
            for (int v = 0; v < 4; v++) {
                float[] x = new float[cols];
                for (int i = 0; i < cols; i++) {
                    x[i] = (float) (random.nextGaussian() * (i % 53 == 0 ? 10 : 1));
                }
                Activations prepared = matrix.prepare(x);
                for (int r = 0; r < rows; r++) {
                    float reference = matrix.referenceDot(r, prepared);
                    float dot = matrix.dot(r, prepared);
                    if (EXACT.contains(type)) {
                        assertEquals(Float.floatToIntBits(reference), Float.floatToIntBits(dot),
                                type + " row " + r + ": " + dot + " vs the reference's " + reference + " ("
                                        + Kernels.describe() + ")");
                    } else {
                        assertEquals(reference, dot, 1e-4f * (1 + Math.abs(reference)), type + " row " + r);
                    }
                }
            }
        }
    }

    /**
     * The Vector API dequantizers of the prompt product give {@link WeightMatrix#row}'s values bit for bit (widths
     * where the product takes {@code row} itself have nothing to compare): the product's inputs are then the same at
     * every width, and so, in {@link FloatOrder}'s order, are its sums.
     */
    @ParameterizedTest
    @EnumSource(value = GgmlType.class, mode = EnumSource.Mode.EXCLUDE, names = { "F32", "F16", "BF16" })
    void dequantizerGivesTheRowsValues(GgmlType type) throws Exception {
        int rows = 6;
        int cols = 1024;
        SplittableRandom random = new SplittableRandom(200 + type.id);
        java.io.ByteArrayOutputStream data = new java.io.ByteArrayOutputStream();
        float[] w = new float[cols];
        for (int r = 0; r < rows; r++) {
            for (int i = 0; i < cols; i++) {
                w[i] = (float) (random.nextGaussian() * (i % 41 == 0 ? 4 : 0.5));
            }
            data.writeBytes(Quantizer.encode(type, w));
        }
        Path file = dir.resolve("rows-" + type + ".gguf");
        new GgufWriter().tensor("w", type, data.toByteArray(), cols, rows).write(file);
        try (GgufFile gguf = GgufFile.open(file)) {
            WeightMatrix matrix = WeightMatrix.of(gguf.tensor("w"));
            org.junit.jupiter.api.Assumptions.assumeTrue(Kernels.VECTOR
                    && (!Kernels.NARROW || matrix.dequantizesAtEveryWidth()),
                    "the prompt product takes row() itself here (" + Kernels.describe() + ")");
            float[] expected = new float[cols];
            float[] actual = new float[cols];
            for (int r = 0; r < rows; r++) {
                matrix.row(r, expected);
                matrix.dequantize(r, actual);
                for (int i = 0; i < cols; i++) {
                    assertEquals(Float.floatToIntBits(expected[i]), Float.floatToIntBits(actual[i]),
                            type + " row " + r + " value " + i + ": " + actual[i] + " vs row()'s " + expected[i]);
                }
            }
        }
    }
}
