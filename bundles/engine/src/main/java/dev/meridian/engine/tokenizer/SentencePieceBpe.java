package dev.meridian.engine.tokenizer;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * SentencePiece-style BPE (Llama 2): spaces become {@code ▁} (with one in front of the text), the text is split into
 * characters, and the adjacent pair whose concatenation is the highest-scoring token is merged until none is left;
 * characters that are no token fall back to their UTF-8 bytes ({@code <0xNN>}).
 */
public final class SentencePieceBpe extends Tokenizer {
    private static final String SPACE = "\u2581";
    private final int[] byteTokens = new int[256];

    SentencePieceBpe(Vocabulary vocab) {
        super(vocab);
        for (int b = 0; b < 256; b++) {
            byteTokens[b] = vocab.id(String.format("<0x%02X>", b));
        }
    }

    @Override
    protected void encodeText(String text, boolean afterSpecial, List<Integer> out, Budget budget) {
        String escaped = ((vocab.addSpacePrefix && afterSpecial ? " " : "") + text).replace(" ", SPACE);
        List<String> symbols = new ArrayList<>();
        for (int i = 0; i < escaped.length();) {
            int cp = escaped.codePointAt(i);
            symbols.add(new String(Character.toChars(cp)));
            i += Character.charCount(cp);
        }
        mergePairs(symbols, (left, right) -> {
            int id = vocab.id(left + right);
            return id < 0 ? Double.POSITIVE_INFINITY : -vocab.scores[id]; // the highest score merges first
        }, budget);
        budget.check(out.size() + symbols.size()); // each symbol is at least one token
        for (String symbol : symbols) {
            int id = vocab.id(symbol);
            if (id >= 0) {
                out.add(id);
                continue;
            }
            for (byte b : symbol.getBytes(StandardCharsets.UTF_8)) {
                int byteToken = byteTokens[b & 0xFF];
                out.add(byteToken >= 0 ? byteToken : vocab.unknown);
            }
        }
    }

    @Override
    public byte[] bytes(int id) {
        int type = vocab.types[id];
        String text = vocab.tokens[id];
        if (type == Vocabulary.CONTROL || type == Vocabulary.UNKNOWN) {
            return new byte[0];
        }
        if (type == Vocabulary.BYTE && text.length() == 6 && text.startsWith("<0x")) {
            return new byte[] { (byte) Integer.parseInt(text.substring(3, 5), 16) };
        }
        return text.replace(SPACE, " ").getBytes(StandardCharsets.UTF_8);
    }
}
