package dev.meridian.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;

import dev.meridian.engine.gguf.GgmlType;
import dev.meridian.engine.gguf.GgufFile;
import dev.meridian.engine.gguf.TensorInfo;
import dev.meridian.engine.tensor.WeightMatrix;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Every quantized type against ggml itself: {@code ggml/blocks.gguf} holds rows that ggml's quantizer encoded
 * ({@code w.TYPE}), what ggml's dequantizer makes of them ({@code deq.TYPE}) and ggml's CPU dot products of each row
 * with three activation vectors ({@code x}, {@code dot.TYPE}), each vector quantized as ggml quantizes activations for
 * that type. Meridian reads the rows as ggml wrote them: the same values, and the same dot products up to the order
 * of float additions. (Written by a small C program against ggml d99724f2, kept outside the repository.)
 */
class GgmlBlocksTest {
    @TempDir
    static Path dir;

    static Path file() throws Exception {
        Path file = dir.resolve("blocks.gguf");
        if (!Files.exists(file)) {
            try (InputStream in = GgmlBlocksTest.class.getResourceAsStream("/ggml/blocks.gguf")) {
                Files.copy(in, file);
            }
        }
        return file;
    }

    @ParameterizedTest
    @EnumSource(value = GgmlType.class, mode = EnumSource.Mode.EXCLUDE, names = { "F32", "F16", "BF16" })
    void rowsAndDotsAsGgmlComputesThem(GgmlType type) throws Exception {
        try (GgufFile gguf = GgufFile.open(file())) {
            WeightMatrix w = WeightMatrix.of(tensor(gguf, "w." + type));
            float[] deq = floats(gguf, "deq." + type);
            float[] dots = floats(gguf, "dot." + type);
            float[] x = floats(gguf, "x");
            int cols = w.cols();
            int vectors = x.length / cols;
            float[] row = new float[cols];
            for (int r = 0; r < w.rows(); r++) {
                w.row(r, row);
                for (int i = 0; i < cols; i++) {
                    float expected = deq[r * cols + i];
                    // ggml's C may fuse a multiply and a subtraction: one rounding apart at most
                    assertEquals(expected, row[i], Math.ulp(expected) + 1e-7f, type + " row " + r + " value " + i);
                }
                for (int v = 0; v < vectors; v++) {
                    float[] vector = java.util.Arrays.copyOfRange(x, v * cols, (v + 1) * cols);
                    float expected = dots[r * vectors + v];
                    float dot = w.dot(r, w.prepare(vector));
                    double magnitude = 0;
                    for (int i = 0; i < cols; i++) {
                        magnitude += Math.abs(row[i] * vector[i]);
                    }
                    assertEquals(expected, dot, 2e-6 * magnitude, type + " row " + r + " vector " + v);
                }
            }
            assertTrue(w.rows() > 0);
        }
    }

    /** ggml names its types in mixed case ({@code q4_K}, {@code iq4_nl}). */
    private static TensorInfo tensor(GgufFile gguf, String name) {
        return gguf.tensors().values().stream().filter(t -> t.name().equalsIgnoreCase(name)).findFirst()
                .orElseThrow(() -> new AssertionError(name + " is not in ggml/blocks.gguf"));
    }

    private static float[] floats(GgufFile gguf, String name) {
        return tensor(gguf, name).data().toArray(java.lang.foreign.ValueLayout.JAVA_FLOAT_UNALIGNED
                .withOrder(java.nio.ByteOrder.LITTLE_ENDIAN));
    }
}
