package dev.meridian.engine.tokenizer;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Byte-level BPE (the GPT-2 family: Qwen, Llama 3, Mistral's Tekken, DeepSeek, StarCoder, Falcon, ...): the text is
 * split by the model's {@link PreTokenizer}, each piece's UTF-8 bytes are mapped to printable characters (GPT-2's
 * byte-to-unicode table), and merges are applied by rank.
 */
public final class ByteLevelBpe extends Tokenizer {
    private static final char[] BYTE_TO_CHAR = new char[256];
    private static final Map<Character, Integer> CHAR_TO_BYTE = new HashMap<>();

    static {
        int extra = 0;
        for (int b = 0; b < 256; b++) {
            boolean printable = (b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF);
            BYTE_TO_CHAR[b] = printable ? (char) b : (char) (256 + extra++);
            CHAR_TO_BYTE.put(BYTE_TO_CHAR[b], b);
        }
    }

    /** The character GPT-2's byte-level BPE writes for byte {@code b} in token texts. */
    public static char byteToChar(int b) {
        return BYTE_TO_CHAR[b & 0xFF];
    }

    private final PreTokenizer preTokenizer;
    private final Map<String, Integer> ranks = new HashMap<>();

    ByteLevelBpe(Vocabulary vocab) {
        super(vocab);
        preTokenizer = PreTokenizer.of(vocab.pre);
        for (int i = 0; i < vocab.merges.size(); i++) {
            ranks.putIfAbsent(vocab.merges.get(i), i);
        }
    }

    @Override
    protected void encodeText(String text, boolean afterSpecial, List<Integer> out, Budget budget) {
        preTokenizer.split(text, piece -> {
            word(piece, out, budget);
            budget.check(out.size());
        });
    }

    private void word(String piece, List<Integer> out, Budget budget) {
        byte[] bytes = piece.getBytes(StandardCharsets.UTF_8);
        StringBuilder mapped = new StringBuilder(bytes.length);
        for (byte b : bytes) {
            mapped.append(BYTE_TO_CHAR[b & 0xFF]);
        }
        String whole = mapped.toString();
        if (preTokenizer.ignoreMerges && vocab.id(whole) >= 0) {
            out.add(vocab.id(whole));
            return;
        }
        List<String> symbols = new ArrayList<>(whole.length());
        for (int i = 0; i < whole.length(); i++) {
            symbols.add(String.valueOf(whole.charAt(i)));
        }
        mergePairs(symbols, (left, right) -> {
            Integer rank = ranks.get(left + " " + right);
            return rank == null ? Double.POSITIVE_INFINITY : rank;
        }, budget);
        for (String symbol : symbols) {
            int id = vocab.id(symbol);
            if (id >= 0) {
                out.add(id);
            } else {
                for (int i = 0; i < symbol.length(); i++) {
                    int single = vocab.id(String.valueOf(symbol.charAt(i)));
                    if (single >= 0) {
                        out.add(single);
                    }
                }
            }
        }
    }

    @Override
    public byte[] bytes(int id) {
        int type = vocab.types[id];
        String text = vocab.tokens[id];
        if (type == Vocabulary.CONTROL) {
            return new byte[0];
        }
        if (type == Vocabulary.USER_DEFINED) {
            return text.getBytes(StandardCharsets.UTF_8);
        }
        byte[] out = new byte[text.length()];
        int n = 0;
        for (int i = 0; i < text.length(); i++) {
            Integer b = CHAR_TO_BYTE.get(text.charAt(i));
            if (b != null) {
                out[n++] = (byte) (int) b;
            }
        }
        return java.util.Arrays.copyOf(out, n);
    }
}
