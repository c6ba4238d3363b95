package dev.meridian.engine.tokenizer;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import dev.meridian.engine.EngineException;

/**
 * Byte-level BPE (the GPT-2 family: Qwen, Llama 3, Mistral's Tekken): the text is split by the model's
 * pre-tokenizer expression, each
 * piece's UTF-8 bytes are mapped to printable characters (GPT-2's byte-to-unicode table), and merges are applied by
 * rank.
 */
public final class ByteLevelBpe extends Tokenizer {
    private static final String GPT2 = "'s|'t|'re|'ve|'m|'ll|'d| ?\\p{L}+| ?\\p{N}+| ?[^\\s\\p{L}\\p{N}]+|\\s+(?!\\S)";
    private static final String LLAMA3 = "(?:'[sS]|'[tT]|'[rR][eE]|'[vV][eE]|'[mM]|'[lL][lL]|'[dD])|[^\\r\\n\\p{L}\\p{N}]?"
            + "\\p{L}+|\\p{N}{1,3}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";
    /** Mistral's Tekken (Mistral NeMo, Ministral, Mistral Small 3): cased words split, digits one by one. */
    private static final String TEKKEN = "[^\\r\\n\\p{L}\\p{N}]?[\\p{Lu}\\p{Lt}\\p{Lm}\\p{Lo}\\p{M}]*"
            + "[\\p{Ll}\\p{Lm}\\p{Lo}\\p{M}]+|[^\\r\\n\\p{L}\\p{N}]?[\\p{Lu}\\p{Lt}\\p{Lm}\\p{Lo}\\p{M}]+"
            + "[\\p{Ll}\\p{Lm}\\p{Lo}\\p{M}]*|\\p{N}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n/]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";
    private static final String QWEN2 = "(?:'[sS]|'[tT]|'[rR][eE]|'[vV][eE]|'[mM]|'[lL][lL]|'[dD])|[^\\r\\n\\p{L}\\p{N}]?"
            + "\\p{L}+|\\p{N}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";

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

    private final Pattern split;
    private final boolean ignoreMerges;
    private final Map<String, Integer> ranks = new HashMap<>();

    ByteLevelBpe(Vocabulary vocab) {
        super(vocab);
        String expression = switch (vocab.pre) {
            case "gpt-2", "gpt2", "default", "mpt", "olmo" -> GPT2;
            case "llama-bpe", "llama3", "smaug-bpe" -> LLAMA3;
            case "qwen2", "deepseek-r1-qwen" -> QWEN2;
            case "tekken" -> TEKKEN;
            default -> throw new EngineException("pre-tokenizer '" + vocab.pre + "' is not supported (gpt-2, "
                    + "llama-bpe, qwen2 and tekken are)");
        };
        split = Pattern.compile(expression, Pattern.UNICODE_CHARACTER_CLASS);
        // these vocabularies take a whole piece that is a token as that token, whatever the merges would make
        ignoreMerges = expression == LLAMA3 || expression == TEKKEN;
        for (int i = 0; i < vocab.merges.size(); i++) {
            ranks.putIfAbsent(vocab.merges.get(i), i);
        }
    }

    @Override
    protected void encodeText(String text, boolean afterSpecial, List<Integer> out, Budget budget) {
        Matcher matcher = split.matcher(text);
        int last = 0;
        while (matcher.find()) {
            if (matcher.start() > last) {
                // text the expression leaves out is a piece too
                word(text.substring(last, matcher.start()), out, budget);
            }
            if (matcher.end() > matcher.start()) {
                word(matcher.group(), out, budget);
            }
            last = matcher.end();
            budget.check(out.size());
        }
        if (last < text.length()) {
            word(text.substring(last), out, budget);
        }
    }

    private void word(String piece, List<Integer> out, Budget budget) {
        byte[] bytes = piece.getBytes(StandardCharsets.UTF_8);
        StringBuilder mapped = new StringBuilder(bytes.length);
        for (byte b : bytes) {
            mapped.append(BYTE_TO_CHAR[b & 0xFF]);
        }
        String whole = mapped.toString();
        if (ignoreMerges && vocab.id(whole) >= 0) {
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
