package dev.meridian.engine.tokenizer;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

import dev.meridian.engine.EngineException;
import dev.meridian.engine.gguf.GgufFile;

/** The token table of a GGUF file ({@code tokenizer.ggml.*}): texts, scores, types, special ids. */
public final class Vocabulary {
    /** Token types as GGUF stores them. */
    public static final int NORMAL = 1;
    public static final int UNKNOWN = 2;
    public static final int CONTROL = 3;
    public static final int USER_DEFINED = 4;
    public static final int UNUSED = 5;
    public static final int BYTE = 6;

    final String model;
    final String pre;
    final String[] tokens;
    final float[] scores;
    final int[] types;
    final Map<String, Integer> ids;
    final List<String> merges;
    final int bos;
    final int eos;
    final int eot;
    final int unknown;
    final boolean addBos;
    final boolean addSpacePrefix;

    Vocabulary(GgufFile file) {
        model = file.string("tokenizer.ggml.model", null);
        if (model == null) {
            throw new EngineException(file.path().getFileName() + ": no tokenizer (tokenizer.ggml.model missing)");
        }
        pre = file.string("tokenizer.ggml.pre", "default");
        if (!(file.metadata().get("tokenizer.ggml.tokens") instanceof List<?> list)) {
            throw new EngineException(file.path().getFileName() + ": tokenizer.ggml.tokens missing");
        }
        tokens = list.stream().map(String::valueOf).toArray(String[]::new);
        scores = file.metadata().get("tokenizer.ggml.scores") instanceof float[] s && s.length == tokens.length ? s
                : new float[tokens.length];
        types = file.metadata().get("tokenizer.ggml.token_type") instanceof int[] t && t.length == tokens.length ? t
                : filled(tokens.length, NORMAL);
        ids = new HashMap<>(tokens.length * 2);
        for (int i = 0; i < tokens.length; i++) {
            ids.putIfAbsent(tokens[i], i);
        }
        merges = file.metadata().get("tokenizer.ggml.merges") instanceof List<?> m
                ? m.stream().map(String::valueOf).toList()
                : List.of();
        boolean spm = model.equals("llama");
        bos = id(file, "tokenizer.ggml.bos_token_id", spm ? 1 : -1);
        eos = id(file, "tokenizer.ggml.eos_token_id", spm ? 2 : -1);
        eot = id(file, "tokenizer.ggml.eot_token_id", -1);
        unknown = id(file, "tokenizer.ggml.unknown_token_id", spm ? 0 : -1);
        addBos = file.flag("tokenizer.ggml.add_bos_token", spm);
        addSpacePrefix = file.flag("tokenizer.ggml.add_space_prefix", spm);
    }

    private int id(GgufFile file, String key, int defaultValue) {
        long value = file.number(key, defaultValue);
        return value >= 0 && value < tokens.length ? (int) value : -1;
    }

    private static int[] filled(int n, int value) {
        int[] a = new int[n];
        java.util.Arrays.fill(a, value);
        return a;
    }

    public int size() {
        return tokens.length;
    }

    public String token(int id) {
        return tokens[id];
    }

    public int type(int id) {
        return types[id];
    }

    /** @return the id of a token text, or -1 */
    public int id(String text) {
        Integer id = ids.get(text);
        return id == null ? -1 : id;
    }
}
