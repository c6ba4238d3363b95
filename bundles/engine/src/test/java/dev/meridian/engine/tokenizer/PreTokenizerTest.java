package dev.meridian.engine.tokenizer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.SplittableRandom;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import dev.meridian.engine.EngineException;

/** Every pre-tokenizer against text built to make a backtracking matcher slow, and the pieces' one invariant. */
class PreTokenizerTest {
    private static final int N = 200_000;

    /**
     * Long runs of whitespace, marks, digits and punctuation ending in what the expressions do not expect. Plain
     * {@code \s+$} (DeepSeek LLM's trailing-space rule) took 3.7 s on 40,000 spaces and a symbol and grows with the
     * square of the run: here that would be minutes. Linear splitting takes well under a second; the limit only
     * tells linear from quadratic.
     */
    @ParameterizedTest
    @ValueSource(strings = { "gpt-2", "llama-bpe", "qwen2", "qwen35", "tekken", "starcoder", "falcon", "deepseek-llm",
            "deepseek-coder" })
    void hostileRunsSplitInLinearTime(String name) {
        PreTokenizer pre = PreTokenizer.of(name);
        String[] texts = { " ".repeat(N) + "\u221e", "\t ".repeat(N / 2) + "\u221e", " ".repeat(N) + "\u0301",
                "a\u0301".repeat(N / 2), "1".repeat(N), "!".repeat(N) + " ", "'".repeat(N), " \n".repeat(N / 2),
                "\u3000".repeat(N) + "\u221e", " ".repeat(N) + "\r", "\n" + " ".repeat(N) + "\u221e",
                " \u221e".repeat(N / 2), "\u0301".repeat(N) };
        for (String text : texts) {
            StringBuilder joined = new StringBuilder(text.length());
            assertTimeoutPreemptively(Duration.ofSeconds(20), () -> pre.split(text, joined::append),
                    () -> name + " on a run of " + text.length() + " starting " + text.codePointAt(0));
            assertEquals(text, joined.toString());
        }
    }

    /** The pieces, in order, are the whole text: nothing dropped, nothing repeated. */
    @ParameterizedTest
    @ValueSource(strings = { "gpt-2", "llama-bpe", "qwen2", "qwen35", "tekken", "starcoder", "falcon", "deepseek-llm",
            "deepseek-coder" })
    void piecesAreTheWholeText(String name) {
        PreTokenizer pre = PreTokenizer.of(name);
        String alphabet = " \t\r\n\u00a0\u3000aZ\u00e9\u0301\u03b1\u0416\u4e2d\u3042\uac001\u0663\u2167!?'.,$+`~"
                + "\uff01\u201c\u221e\ud83d\ude00";
        SplittableRandom random = new SplittableRandom(11);
        for (int i = 0; i < 2_000; i++) {
            StringBuilder text = new StringBuilder();
            int length = random.nextInt(40);
            for (int j = 0; j < length; j++) {
                int at = random.nextInt(alphabet.length());
                if (Character.isLowSurrogate(alphabet.charAt(at))) {
                    at--;
                }
                text.appendCodePoint(alphabet.codePointAt(at));
            }
            StringBuilder joined = new StringBuilder();
            pre.split(text.toString(), piece -> {
                assertTrue(!piece.isEmpty(), "an empty piece");
                joined.append(piece);
            });
            assertEquals(text.toString(), joined.toString());
        }
    }

    /**
     * DeepSeek LLM's letters are the list in its {@code tokenizer.json}, which has Armenian capitals but not the small
     * letters ({@code \p{LC}} today has both), and its next rule takes ASCII letters with punctuation (the range
     * {@code :-~}): so a capitalised Armenian word is two pieces, and so is a Latin word after a letter outside ASCII.
     */
    @org.junit.jupiter.api.Test
    void deepSeekLlmLettersAreItsOwnList() {
        PreTokenizer pre = PreTokenizer.of("deepseek-llm");
        java.util.List<String> pieces = new java.util.ArrayList<>();
        pre.split("\u0532\u0561\u0580\u0565\u0582 \u01c4ungla", pieces::add);
        assertEquals(java.util.List.of("\u0532", "\u0561\u0580\u0565\u0582", " \u01c4", "ungla"), pieces);
    }

    @ParameterizedTest
    @ValueSource(strings = { "chatglm-bpe", "", "GPT-2" })
    void unknownNamesAreRefusedWithWhatIsRead(String name) {
        EngineException e = assertThrows(EngineException.class, () -> PreTokenizer.of(name));
        assertTrue(e.getMessage().contains("'" + name + "'") && e.getMessage().contains("deepseek-coder"),
                e.getMessage());
    }
}
