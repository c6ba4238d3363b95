package dev.meridian.engine.tokenizer;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import dev.meridian.engine.EngineException;

/**
 * How a byte-level BPE vocabulary splits text into pieces before merging ({@code tokenizer.ggml.pre}): one or more
 * expressions applied in turn, as the models' {@code tokenizer.json} files chain their {@code Split} steps. Each
 * expression splits every piece the previous one left into its matches and the text between them, all kept.
 */
final class PreTokenizer {
    private static final String CONTRACTIONS = "(?:'[sS]|'[tT]|'[rR][eE]|'[vV][eE]|'[mM]|'[lL][lL]|'[dD])";
    private static final String GPT2 = "'s|'t|'re|'ve|'m|'ll|'d| ?\\p{L}+| ?\\p{N}+| ?[^\\s\\p{L}\\p{N}]+|\\s+(?!\\S)";
    private static final String LLAMA3 = CONTRACTIONS + "|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}{1,3}"
            + "| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";
    private static final String QWEN2 = CONTRACTIONS + "|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}"
            + "| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";
    /** Qwen 3.5: as Qwen2, with combining marks kept inside words. */
    private static final String QWEN35 = CONTRACTIONS + "|[^\\r\\n\\p{L}\\p{N}]?[\\p{L}\\p{M}]+|\\p{N}"
            + "| ?[^\\s\\p{L}\\p{M}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";
    /** Mistral's Tekken (Mistral NeMo, Ministral, Mistral Small 3): cased words split, digits one by one. */
    private static final String TEKKEN = "[^\\r\\n\\p{L}\\p{N}]?[\\p{Lu}\\p{Lt}\\p{Lm}\\p{Lo}\\p{M}]*"
            + "[\\p{Ll}\\p{Lm}\\p{Lo}\\p{M}]+|[^\\r\\n\\p{L}\\p{N}]?[\\p{Lu}\\p{Lt}\\p{Lm}\\p{Lo}\\p{M}]+"
            + "[\\p{Ll}\\p{Lm}\\p{Lo}\\p{M}]*|\\p{N}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n/]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";
    /**
     * DeepSeek LLM's letters, as its {@code tokenizer.json} lists them: the cased letters of an older Unicode (Latin,
     * Greek, Cyrillic, Armenian and Georgian capitals, Cherokee, Glagolitic, Deseret, ...). Not {@code \p{LC}}: that
     * has 1,418 more code points today (Armenian small letters and Georgian Mkhedruli among them), which the model's
     * tokenizer leaves to its other rules.
     */
    private static final String DEEPSEEK_LETTERS = "[A-Za-z\\u00b5\\u00c0-\\u00d6\\u00d8-\\u00f6\\u00f8-\\u01ba"
            + "\\u01bc-\\u01bf\\u01c4-\\u0293"
            + "\\u0295-\\u02af\\u0370-\\u0373\\u0376\\u0377\\u037b-\\u037d\\u037f\\u0386\\u0388-\\u038a\\u038c"
            + "\\u038e-\\u03a1\\u03a3-\\u03f5\\u03f7-\\u0481\\u048a-\\u052f\\u0531-\\u0556\\u10a0-\\u10c5"
            + "\\u13a0-\\u13f5\\u13f8-\\u13fd\\u1c90-\\u1cba\\u1cbd-\\u1cbf\\u1d00-\\u1d2b\\u1d6b-\\u1d77"
            + "\\u1d79-\\u1d9a\\u1e00-\\u1f15\\u1f18-\\u1f1d\\u1f20-\\u1f45\\u1f48-\\u1f4d\\u1f50-\\u1f57"
            + "\\u1f59\\u1f5b\\u1f5d\\u1f5f-\\u1f7d\\u1f80-\\u1fb4\\u1fb6-\\u1fbc\\u1fbe\\u1fc2-\\u1fc4"
            + "\\u1fc6-\\u1fcc\\u1fd0-\\u1fd3\\u1fd6-\\u1fdb\\u1fe0-\\u1fec\\u1ff2-\\u1ff4\\u1ff6-\\u1ffc"
            + "\\u2102\\u2107\\u210a-\\u2113\\u2115\\u2119-\\u211d\\u2124\\u2126\\u2128\\u212a-\\u212d"
            + "\\u212f-\\u2134\\u2139\\u213c-\\u213f\\u2145-\\u2149\\u214e\\u2183\\u2184\\u2c00-\\u2c7b"
            + "\\u2c7e-\\u2ce4\\u2ceb-\\u2cee\\u2cf2\\u2cf3\\ua640-\\ua66d\\ua680-\\ua69b\\ua722-\\ua76f"
            + "\\ua771-\\ua787\\ua78b-\\ua78e\\uab70-\\uabbf\\ufb00-\\ufb06\\ufb13-\\ufb17\\uff21-\\uff3a"
            + "\\uff41-\\uff5a\\x{10400}-\\x{1044f}\\x{104b0}-\\x{104d3}\\x{104d8}-\\x{104fb}"
            + "\\x{10c80}-\\x{10cb2}\\x{10cc0}-\\x{10cf2}\\x{118a0}-\\x{118df}\\x{1e900}-\\x{1e943}]";
    /** CJK ideographs, the blocks from Samaritan to the ideographs, and Hangul: DeepSeek's runs of CJK text. */
    private static final String DEEPSEEK_CJK = "[\\u4e00-\\u9fa5\\u0800-\\u4e00\\uac00-\\ud7ff]+";

    /**
     * The whitespace at the end of a piece ({@code \s+$} in the model's file). Only a run's first character may
     * start it: plain {@code \s+$} retries from every character of a run that ends before the piece does, which
     * on Java's backtracking matcher is quadratic (40,000 spaces and a symbol: 3.7 s; a megabyte: most of an hour).
     */
    private static final String TRAILING_SPACE = "(?<!\\s)\\s+\\z";

    /** The pre-tokenizer names llama.cpp's converter writes, for the vocabularies read here. */
    static PreTokenizer of(String name) {
        return switch (name) {
            case "gpt-2", "gpt2", "default", "mpt", "olmo", "phi-2" -> new PreTokenizer(false, GPT2);
            case "llama-bpe", "llama3", "llama-v3", "smaug-bpe", "dbrx" -> new PreTokenizer(true, LLAMA3);
            case "qwen2", "deepseek-r1-qwen", "stablelm2" -> new PreTokenizer(false, QWEN2);
            case "qwen35" -> new PreTokenizer(false, QWEN35);
            case "tekken" -> new PreTokenizer(true, TEKKEN);
            // digits one by one first, then GPT-2's expression on what is left
            case "starcoder", "refact", "smollm", "command-r" -> new PreTokenizer(false, "\\p{N}", GPT2);
            // punctuation runs first; then numbers split into threes from the left
            case "falcon" -> new PreTokenizer(false, "[\\p{P}\\$\\+<=>\\^~\\|`]+", GPT2, "[0-9][0-9][0-9]");
            // DeepSeek LLM: line breaks alone; runs of its letters and of ASCII or
            // full-width punctuation, each with one leading space; trailing space; CJK runs; numbers
            case "deepseek-llm" -> new PreTokenizer(false, "[\\r\\n]", "\\s?" + DEEPSEEK_LETTERS + "+",
                    "\\s?[!-/:-~\\uff01-\\uff0f\\uff1a-\\uff5e\\u2018-\\u201f\\u3000-\\u3002]+", TRAILING_SPACE,
                    DEEPSEEK_CJK, "\\p{N}+");
            // DeepSeek Coder: line breaks alone; letter runs and punctuation runs with one leading space; CJK
            // runs; digits one by one
            case "deepseek-coder" -> new PreTokenizer(false, "[\\r\\n]", "\\s?\\p{L}+", "\\s?\\p{P}+",
                    DEEPSEEK_CJK, "\\p{N}");
            default -> throw new EngineException("pre-tokenizer '" + name + "' is not supported (" + SUPPORTED
                    + " are)");
        };
    }

    static final String SUPPORTED = "gpt-2, mpt, olmo, llama-bpe, qwen2, qwen35, tekken, starcoder, refact, smollm, "
            + "command-r, falcon, deepseek-llm and deepseek-coder";

    /** Whether a whole piece that is a token becomes that token, whatever the merges would make. */
    final boolean ignoreMerges;
    private final List<Pattern> stages;

    private PreTokenizer(boolean ignoreMerges, String... expressions) {
        this.ignoreMerges = ignoreMerges;
        List<Pattern> compiled = new ArrayList<>();
        for (String expression : expressions) {
            compiled.add(Pattern.compile(expression, Pattern.UNICODE_CHARACTER_CLASS));
        }
        this.stages = List.copyOf(compiled);
    }

    /** Hands each piece of {@code text} to {@code piece}, in order; together they are the whole text. */
    void split(String text, Consumer<String> piece) {
        // one matcher per stage for the whole text, moved from piece to piece (a matcher per piece cost a third)
        Matcher[] matchers = new Matcher[stages.size()];
        for (int i = 0; i < matchers.length; i++) {
            matchers[i] = stages.get(i).matcher(text);
        }
        split(text, matchers, 0, text.length(), 0, piece);
    }

    private static void split(String text, Matcher[] matchers, int start, int end, int stage,
            Consumer<String> piece) {
        if (stage == matchers.length) {
            piece.accept(text.substring(start, end));
            return;
        }
        // each piece is split on its own: anchors and look-aheads see the piece's end, not its neighbours (a
        // look-behind sees back to the previous match's end, where the region restarts)
        Matcher matcher = matchers[stage];
        int last = start;
        int from = start;
        while (from < end && matcher.region(from, end).find()) {
            int matchStart = matcher.start();
            int matchEnd = matcher.end();
            if (matchStart > last) {
                split(text, matchers, last, matchStart, stage + 1, piece);
            }
            if (matchEnd > matchStart) {
                split(text, matchers, matchStart, matchEnd, stage + 1, piece);
            }
            last = matchEnd;
            from = matchEnd > matchStart ? matchEnd : matchEnd + 1;
        }
        if (last < end) {
            split(text, matchers, last, end, stage + 1, piece);
        }
    }
}
