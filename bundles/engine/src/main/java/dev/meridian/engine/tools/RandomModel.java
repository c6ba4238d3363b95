package dev.meridian.engine.tools;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

import dev.meridian.engine.EngineException;
import dev.meridian.engine.gguf.GgmlType;
import dev.meridian.engine.tokenizer.ByteLevelBpe;

/**
 * Writes random-weight models of real shapes, so speed can be measured without downloads (and tiny ones for
 * tests). The tokenizer is a byte-level BPE over the 256 bytes with a few merges, padded with unused tokens to the
 * shape's vocabulary size; the text such a model writes is meaningless.
 */
public final class RandomModel {

    /** A model shape. {@code arch} is llama, qwen2 or qwen3. */
    public record Shape(String arch, int embedding, int layers, int heads, int kvHeads, int feedForward, int vocab,
            int context, float ropeBase, boolean tied) {

        public static Shape named(String name) {
            return switch (name) {
                case "qwen2.5-0.5b" -> new Shape("qwen2", 896, 24, 14, 2, 4864, 151936, 32768, 1_000_000f, true);
                case "llama3.2-1b" -> new Shape("llama", 2048, 16, 32, 8, 8192, 128256, 131072, 500_000f, true);
                default -> throw new EngineException("unknown shape '" + name + "' (qwen2.5-0.5b, llama3.2-1b)");
            };
        }
    }

    private RandomModel() {
    }

    public static void write(Path out, Shape shape, GgmlType type, long seed) throws IOException {
        SplittableRandom random = new SplittableRandom(seed);
        String a = shape.arch();
        GgufWriter writer = new GgufWriter().put("general.architecture", a)
                .put("general.name", "random " + a + " " + shape.embedding() + "x" + shape.layers() + " " + type)
                .put(a + ".embedding_length", shape.embedding()).put(a + ".block_count", shape.layers())
                .put(a + ".attention.head_count", shape.heads()).put(a + ".attention.head_count_kv", shape.kvHeads())
                .put(a + ".feed_forward_length", shape.feedForward()).put(a + ".context_length", shape.context())
                .put(a + ".attention.layer_norm_rms_epsilon", 1e-6f).put(a + ".rope.freq_base", shape.ropeBase())
                .put(a + ".rope.dimension_count", shape.embedding() / shape.heads());
        vocabulary(writer, shape.vocab());
        int e = shape.embedding();
        int headDim = e / shape.heads();
        int kv = shape.kvHeads() * headDim;
        weight(writer, random, "token_embd.weight", type, shape.vocab(), e);
        for (int l = 0; l < shape.layers(); l++) {
            String p = "blk." + l + ".";
            writer.tensor(p + "attn_norm.weight", GgmlType.F32, ones(e), e);
            weight(writer, random, p + "attn_q.weight", type, e, e);
            weight(writer, random, p + "attn_k.weight", type, kv, e);
            weight(writer, random, p + "attn_v.weight", type, kv, e);
            if (a.equals("qwen2")) {
                writer.tensor(p + "attn_q.bias", GgmlType.F32, vector(random, e), e);
                writer.tensor(p + "attn_k.bias", GgmlType.F32, vector(random, kv), kv);
                writer.tensor(p + "attn_v.bias", GgmlType.F32, vector(random, kv), kv);
            }
            if (a.equals("qwen3")) {
                writer.tensor(p + "attn_q_norm.weight", GgmlType.F32, ones(headDim), headDim);
                writer.tensor(p + "attn_k_norm.weight", GgmlType.F32, ones(headDim), headDim);
            }
            weight(writer, random, p + "attn_output.weight", type, e, e);
            writer.tensor(p + "ffn_norm.weight", GgmlType.F32, ones(e), e);
            weight(writer, random, p + "ffn_gate.weight", type, shape.feedForward(), e);
            weight(writer, random, p + "ffn_up.weight", type, shape.feedForward(), e);
            weight(writer, random, p + "ffn_down.weight", type, e, shape.feedForward());
        }
        writer.tensor("output_norm.weight", GgmlType.F32, ones(e), e);
        if (!shape.tied()) {
            weight(writer, random, "output.weight", type, shape.vocab(), e);
        }
        writer.write(out);
    }

    /** Byte-level BPE: 256 byte tokens, merges of common letter pairs, unused padding, EOS at the end. */
    private static void vocabulary(GgufWriter writer, int size) {
        List<String> tokens = new ArrayList<>(size);
        for (int b = 0; b < 256; b++) {
            tokens.add(String.valueOf(ByteLevelBpe.byteToChar(b)));
        }
        List<String> merges = new ArrayList<>();
        String letters = "etaoinshrdlu";
        for (char x : letters.toCharArray()) {
            for (char y : letters.toCharArray()) {
                merges.add(x + " " + y);
                tokens.add("" + x + y);
            }
        }
        int[] types = new int[size];
        while (tokens.size() < size - 1) {
            tokens.add("<|unused_" + tokens.size() + "|>");
        }
        tokens.add("<|endoftext|>");
        for (int i = 0; i < size; i++) {
            types[i] = i < 256 + merges.size() ? 1 : 5;
        }
        types[size - 1] = 3;
        writer.put("tokenizer.ggml.model", "gpt2").put("tokenizer.ggml.pre", "qwen2").put("tokenizer.ggml.tokens",
                tokens).put("tokenizer.ggml.token_type", types).put("tokenizer.ggml.merges", merges)
                .put("tokenizer.ggml.eos_token_id", size - 1).put("tokenizer.ggml.bos_token_id", size - 1)
                .put("tokenizer.ggml.add_bos_token", false);
    }

    /**
     * Writes a random matrix in {@code type}, or in Q8_0 where its rows are not whole {@code type} blocks (as
     * llama.cpp falls back for K-quants on widths like Qwen2.5-0.5B's 896).
     */
    private static void weight(GgufWriter writer, SplittableRandom random, String name, GgmlType type, int rows,
            int cols) {
        GgmlType actual = cols % type.blockSize == 0 ? type : GgmlType.Q8_0;
        writer.tensor(name, actual, matrix(random, rows, cols, actual), cols, rows);
    }

    private static byte[] matrix(SplittableRandom random, int rows, int cols, GgmlType type) {
        byte[] out = new byte[(int) type.bytes((long) rows * cols)];
        int rowBytes = (int) type.bytes(cols);
        float[] row = new float[cols];
        for (int r = 0; r < rows; r++) {
            for (int i = 0; i < cols; i++) {
                row[i] = (float) ((random.nextDouble() - 0.5) * 0.07); // std ~0.02
            }
            System.arraycopy(Quantizer.encode(type, row), 0, out, r * rowBytes, rowBytes);
        }
        return out;
    }

    private static byte[] vector(SplittableRandom random, int n) {
        float[] values = new float[n];
        for (int i = 0; i < n; i++) {
            values[i] = (float) ((random.nextDouble() - 0.5) * 0.1);
        }
        return Quantizer.encode(GgmlType.F32, values);
    }

    private static byte[] ones(int n) {
        float[] values = new float[n];
        java.util.Arrays.fill(values, 1f);
        return Quantizer.encode(GgmlType.F32, values);
    }
}
