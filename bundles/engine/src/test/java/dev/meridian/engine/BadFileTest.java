package dev.meridian.engine;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

import dev.meridian.engine.gguf.GgmlType;
import dev.meridian.engine.tools.GgufWriter;
import dev.meridian.engine.tools.Quantizer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Corrupt and unsupported files fail at load with a message naming the problem: no crash, hang or OOM. */
class BadFileTest {
    @TempDir
    Path dir;

    private void assertRefused(byte[] bytes, String expected) throws Exception {
        Path file = dir.resolve("bad-" + System.nanoTime() + ".gguf");
        Files.write(file, bytes);
        EngineException e = assertThrows(EngineException.class,
                () -> LocalModel.load(file, new LocalModel.Options(1, 0, null), null).close());
        assertTrue(e.getMessage().contains(expected), "'" + e.getMessage() + "' should say '" + expected + "'");
    }

    private byte[] valid() throws Exception {
        Path file = TinyModels.write(dir, "qwen2", GgmlType.Q8_0);
        return Files.readAllBytes(file);
    }

    @Test
    void badMagic() throws Exception {
        byte[] bytes = valid();
        bytes[0] = 'X';
        assertRefused(bytes, "not a GGUF file");
    }

    @Test
    void tooShortAndTruncated() throws Exception {
        assertRefused(new byte[] { 'G', 'G' }, "too short");
        byte[] bytes = valid();
        assertRefused(Arrays.copyOf(bytes, bytes.length / 2), "lies outside the file");
        assertRefused(Arrays.copyOf(bytes, 200), "truncated");
    }

    @Test
    void unsupportedVersionAndAbsurdCounts() throws Exception {
        byte[] bytes = valid();
        ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).putInt(4, 1);
        assertRefused(bytes, "GGUF version 1 is not supported");
        bytes = valid();
        ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).putLong(8, Long.MAX_VALUE);
        assertRefused(bytes, "absurd tensor count");
        bytes = valid();
        ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).putLong(16, 1L << 40);
        assertRefused(bytes, "absurd metadata count");
    }

    @Test
    void unknownTensorTypeOffsetPastTheEndAndAbsurdShape() throws Exception {
        int at = tensorInfo(valid(), "token_embd.weight");
        byte[] bytes = valid();
        ByteBuffer buffer = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        buffer.putInt(at + 4 + 16, 16); // type IQ2_XXS
        assertRefused(bytes, "type IQ2_XXS, which the engine does not read");
        bytes = valid();
        ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).putLong(at + 4 + 16 + 4, 1L << 40);
        assertRefused(bytes, "lies outside the file");
        bytes = valid();
        ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).putLong(at + 4, 1L << 50);
        assertRefused(bytes, "absurd dimension");
    }

    /** Offset of the dimension count of a tensor's entry in the tensor table. */
    private static int tensorInfo(byte[] bytes, String name) {
        byte[] needle = name.getBytes(StandardCharsets.UTF_8);
        outer: for (int i = 0; i + needle.length < bytes.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (bytes[i + j] != needle[j]) {
                    continue outer;
                }
            }
            long length = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).getLong(i - 8);
            if (length == needle.length) {
                return i + needle.length;
            }
        }
        throw new AssertionError(name + " not found");
    }

    @Test
    void unknownArchitectureAndMissingTensors() throws Exception {
        Path file = dir.resolve("neox.gguf");
        new GgufWriter().put("general.architecture", "gpt-neox").tensor("x", GgmlType.F32,
                Quantizer.encode(GgmlType.F32, new float[32]), 32).write(file);
        assertRefused(Files.readAllBytes(file), "architecture 'gpt-neox' is not supported");
        Path llama = dir.resolve("empty-llama.gguf");
        new GgufWriter().put("general.architecture", "llama").put("llama.embedding_length", 64)
                .put("llama.block_count", 1).put("llama.attention.head_count", 4).put("llama.feed_forward_length", 128)
                .put("tokenizer.ggml.model", "llama").put("tokenizer.ggml.tokens", new String[] { "a" })
                .write(llama);
        assertRefused(Files.readAllBytes(llama), "tensor token_embd.weight is missing");
    }
}
