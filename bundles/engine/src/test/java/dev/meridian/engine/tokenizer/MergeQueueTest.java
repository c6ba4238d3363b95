package dev.meridian.engine.tokenizer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CancellationException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.ToDoubleBiFunction;

import org.junit.jupiter.api.Test;

import dev.meridian.engine.EngineException;
import dev.meridian.engine.TestData;
import dev.meridian.engine.gguf.GgufFile;

/**
 * The merge queue against the rule it replaces (rescan every pair, merge the cheapest, leftmost on ties), on
 * random words and costs with many ties; and the budget that stops a tokenization early.
 */
class MergeQueueTest {

    @Test
    void mergesExactlyAsTheRescanDoes() {
        Random random = new Random(12);
        for (int round = 0; round < 3000; round++) {
            int length = random.nextInt(40);
            List<String> word = new ArrayList<>();
            for (int i = 0; i < length; i++) {
                word.add(String.valueOf((char) ('a' + random.nextInt(4))));
            }
            int salt = random.nextInt();
            int levels = 1 + random.nextInt(5); // few distinct costs: ties everywhere
            ToDoubleBiFunction<String, String> cost = (left, right) -> {
                int h = (left + "|" + right).hashCode() * 31 + salt;
                int level = Math.floorMod(h, levels + 2);
                return level > levels || left.length() + right.length() > 12 ? Double.POSITIVE_INFINITY : level;
            };
            List<String> expected = new ArrayList<>(word);
            rescan(expected, cost);
            List<String> actual = new ArrayList<>(word);
            Tokenizer.mergePairs(actual, cost, Tokenizer.Budget.UNLIMITED);
            assertEquals(expected, actual, "round " + round + " word " + word);
        }
    }

    /** The rule, as it was implemented before the queue: O(n^2) per word. */
    private static void rescan(List<String> symbols, ToDoubleBiFunction<String, String> cost) {
        while (symbols.size() > 1) {
            int best = -1;
            double bestCost = Double.POSITIVE_INFINITY;
            for (int i = 0; i + 1 < symbols.size(); i++) {
                double c = cost.applyAsDouble(symbols.get(i), symbols.get(i + 1));
                if (c < bestCost) {
                    bestCost = c;
                    best = i;
                }
            }
            if (best < 0) {
                return;
            }
            symbols.set(best, symbols.get(best) + symbols.remove(best + 1));
        }
    }

    @Test
    void aBudgetStopsAtItsLimitAndAtACancelWithoutGoingThroughTheText() throws Exception {
        StringBuilder text = new StringBuilder();
        for (int i = 0; i < 100_000; i++) {
            text.append("word").append(i % 97).append(' ');
        }
        try (GgufFile vocab = GgufFile.open(TestData.require("tokenizer/ggml-vocab-qwen2.gguf"))) {
            budgetStops(Tokenizer.of(vocab), text.toString());
        }
    }

    private static void budgetStops(Tokenizer tokenizer, String text) {
        AtomicInteger checks = new AtomicInteger();
        EngineException tooLong = assertThrows(EngineException.class, () -> tokenizer.encode(text, false,
                index -> false, new Tokenizer.Budget(100, () -> checks.incrementAndGet() < 0)));
        assertTrue(tooLong.getMessage().contains("more than 100 tokens"), tooLong.getMessage());
        assertTrue(checks.get() < 200, "stopped after " + checks.get() + " pieces of 200,000");

        AtomicInteger pieces = new AtomicInteger();
        assertThrows(CancellationException.class, () -> tokenizer.encode(text, false, index -> false,
                new Tokenizer.Budget(Integer.MAX_VALUE, () -> pieces.incrementAndGet() > 50)));
        assertTrue(pieces.get() <= 52, "cancelled after " + pieces.get() + " checks");
    }
}
