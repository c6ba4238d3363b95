package dev.meridian.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;

import dev.meridian.engine.tensor.Kernels;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Teacher-forced logits are the same, bit for bit, at every vector width and on the scalar kernels, for float and
 * quantized models: bin/test runs this at 512, 256 and 128 bits and without the Vector API, against one digest of
 * the logits' bits. A batch of tokens takes the prompt path, whose every float sum runs in {@code FloatOrder}'s order
 * (the quantized types' rows dequantized exactly, times the dequantized 8-bit activations); the exponentials are
 * one polynomial, the rotary angles come from {@code StrictMath}: nothing depends on the platform either, so the
 * digest is the same on any Java platform. (Decoding one token at a time still differs between widths in the
 * quantized types: their integer kernels scale block sums lane by lane in the width's own shape.)
 */
class WidthIndependenceTest {

    @ParameterizedTest
    @CsvSource({ "models/stories260K-F32.gguf, fe9d3581c3f601edf6f8f0ad",
            "models/stories260K-ffn192-F16.gguf, 0ca53fa49f64f10b7bdcf3d7",
            "models/stories260K-ffn192-Q8_0.gguf, a0e1c1856775dc0bd1a96b0c",
            "models/stories260K-ffn192-Q4_0.gguf, 7bae5d7cdac15ebad52edb42",
            "models/tiny/tiny-llama-Q4_K.gguf, 5a23eaa79e0f36ef440b6779",
            "models/tiny/tiny-qwen3-Q4_K.gguf, ab947602b605fbc651094329" })
    void logitsAreTheSameBitsAtEveryWidth(String model, String digest) throws Exception {
        Path file = TestData.require(model);
        int[] tokens = new int[48];
        java.util.SplittableRandom random = new java.util.SplittableRandom(11);
        tokens[0] = 1;
        for (int i = 1; i < tokens.length; i++) {
            tokens[i] = 3 + random.nextInt(500);
        }
        String one = digest(file, tokens, 1);
        assertEquals(one, digest(file, tokens, 2), "threads change nothing");
        assertEquals(digest, one, model + " on " + Kernels.describe());
    }

    private static String digest(Path file, int[] tokens, int threads) throws Exception {
        try (LocalModel model = LocalModel.load(file, new LocalModel.Options(threads, 64, "plain"), null)) {
            float[][] logits = model.logits(tokens);
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            ByteBuffer bits = ByteBuffer.allocate(4 * logits[0].length);
            for (float[] row : logits) {
                bits.clear();
                for (float v : row) {
                    bits.putInt(Float.floatToRawIntBits(v));
                }
                sha.update(bits.array());
            }
            return HexFormat.of().formatHex(sha.digest(), 0, 12);
        }
    }
}
