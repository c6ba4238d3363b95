package dev.meridian.engine;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

import dev.meridian.engine.gguf.GgmlType;
import dev.meridian.engine.gguf.GgufFile;
import dev.meridian.engine.tokenizer.Tokenizer;
import dev.meridian.engine.tools.RandomModel;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Generation behaviour on tiny models the test writes: limits, cancel, sampling, stops, text assembly, chat. */
class EngineBehaviourTest {
    @TempDir
    static Path dir;

    private static LocalModel load(String arch, GgmlType type, int context) throws Exception {
        return LocalModel.load(TinyModels.write(dir, arch, type), new LocalModel.Options(2, context, "plain"), null);
    }

    @ParameterizedTest
    @ValueSource(strings = { "llama", "qwen2", "qwen3" })
    void everyArchitectureGeneratesAndScoresConsistently(String arch) throws Exception {
        try (LocalModel model = load(arch, GgmlType.Q8_0, 64)) {
            int[] prompt = { 10, 20, 30, 40 };
            Generation.Result result = model.generate(prompt, new Generation.Settings(8, Sampling.GREEDY, List.of(),
                    null), delta -> {
                    });
            assertEquals(8, result.tokens().length);
            assertEquals(Generation.End.MAX_TOKENS, result.end());
            // teacher forcing the greedy continuation predicts it back, position by position (same numerics)
            assertArrayEquals(java.util.Arrays.copyOf(result.tokens(), 8), model.score(prompt, result.tokens()));
        }
    }

    /**
     * Issue 11: the types of the files people download (SmolLM2 Q4_1; narrow models' Q5_K_M; Q2_K and Q3_K_M files;
     * IQ4_NL and IQ4_XS) load and generate, every tensor in that type.
     */
    @ParameterizedTest
    @ValueSource(strings = { "Q4_1", "Q5_1", "Q2_K", "Q3_K", "IQ4_NL", "IQ4_XS" })
    void downloadedTypesLoadAndGenerate(String type) throws Exception {
        try (LocalModel model = load("llama", GgmlType.valueOf(type), 64)) {
            int[] prompt = { 10, 20, 30, 40 };
            Generation.Result result = model.generate(prompt, new Generation.Settings(8, Sampling.GREEDY, List.of(),
                    null), delta -> {
                    });
            assertEquals(8, result.tokens().length);
            // the prompt path multiplies dequantized rows in float, decoding sums integers per block (and Q4_1/Q5_1
            // take ggml's F16-rounded activation sums): teacher forcing may differ only where the choice was a near-tie
            int[] scored = model.score(prompt, result.tokens());
            int same = 0;
            for (int i = 0; i < scored.length; i++) {
                same += scored[i] == result.tokens()[i] ? 1 : 0;
            }
            assertTrue(same >= 7, type + ": " + java.util.Arrays.toString(scored) + " vs "
                    + java.util.Arrays.toString(result.tokens()));
        }
    }

    @Test
    void readsGgufVersion2AsVersion3() throws Exception {
        Path v3 = TinyModels.write(dir, "llama", GgmlType.Q4_0);
        byte[] bytes = java.nio.file.Files.readAllBytes(v3);
        java.nio.ByteBuffer.wrap(bytes).order(java.nio.ByteOrder.LITTLE_ENDIAN).putInt(4, 2);
        Path v2 = dir.resolve("llama-v2.gguf");
        java.nio.file.Files.write(v2, bytes);
        int[] prompt = { 3, 1, 4, 1, 5 };
        try (LocalModel a = LocalModel.load(v3, new LocalModel.Options(1, 32, "plain"), null);
                LocalModel b = LocalModel.load(v2, new LocalModel.Options(1, 32, "plain"), null)) {
            assertArrayEquals(a.score(prompt, new int[] { 9, 2, 6 }), b.score(prompt, new int[] { 9, 2, 6 }));
        }
    }

    @Test
    void promptLongerThanTheContextIsRefusedClearly() throws Exception {
        try (LocalModel model = load("qwen2", GgmlType.Q4_0, 8)) {
            EngineException e = assertThrows(EngineException.class, () -> model.generate(new int[10],
                    new Generation.Settings(4, Sampling.GREEDY, List.of(), null), delta -> {
                    }));
            assertTrue(e.getMessage().contains("the prompt has 10 tokens; the context holds 8"), e.getMessage());
        }
    }

    @Test
    void aCacheLargerThanTheHeapIsRefusedNotThrownOutOfMemory() throws Exception {
        Path file = dir.resolve("long-context.gguf");
        RandomModel.write(file, new RandomModel.Shape("qwen2", 256, 2, 4, 2, 512, 512, 100_000_000, 10000f, true),
                GgmlType.Q4_0, 1);
        try (LocalModel model = LocalModel.load(file, new LocalModel.Options(1, 100_000_000, "plain"), null)) {
            EngineException e = assertThrows(EngineException.class, () -> model.generate(new int[] { 1, 2 },
                    new Generation.Settings(50_000_000, Sampling.GREEDY, List.of(), null), d -> {
                    }));
            assertTrue(e.getMessage().contains("MiB; the heap has"), e.getMessage());
        }
    }

    @Test
    void aFullContextEndsWithContextFull() throws Exception {
        try (LocalModel model = load("qwen2", GgmlType.Q4_0, 8)) {
            Generation.Result result = model.generate(new int[] { 1, 2, 3, 4 }, new Generation.Settings(100,
                    Sampling.GREEDY, List.of(), null), delta -> {
                    });
            assertEquals(Generation.End.CONTEXT_FULL, result.end());
            assertTrue(result.tokens().length <= 5, "tokens " + result.tokens().length);
        }
    }

    @Test
    void cancelStopsWithinOneToken() throws Exception {
        try (LocalModel model = load("llama", GgmlType.Q4_K, 64)) {
            AtomicInteger seen = new AtomicInteger();
            AtomicInteger tokensAtCancel = new AtomicInteger(-1);
            List<Integer> counts = new ArrayList<>();
            Generation.Result result = model.generate(new int[] { 5, 6, 7 }, new Generation.Settings(50,
                    new Sampling(1.0, 0, 1.0, 3), List.of(), () -> {
                        counts.add(seen.get());
                        if (counts.size() == 3) {
                            tokensAtCancel.set(counts.size());
                        }
                        return counts.size() >= 3;
                    }), delta -> seen.incrementAndGet());
            assertEquals(Generation.End.CANCELLED, result.end());
            assertTrue(result.tokens().length <= tokensAtCancel.get(), "generated " + result.tokens().length
                    + " tokens, cancelled at " + tokensAtCancel.get());
        }
    }

    @Test
    void samplingIsReproducibleWithASeed() throws Exception {
        try (LocalModel model = load("qwen3", GgmlType.Q8_0, 64)) {
            int[] prompt = { 100, 200 };
            int[] first = model.generate(prompt, new Generation.Settings(16, new Sampling(1.2, 0, 1.0, 99),
                    List.of(), null), d -> {
                    }).tokens();
            int[] again = model.generate(prompt, new Generation.Settings(16, new Sampling(1.2, 0, 1.0, 99),
                    List.of(), null), d -> {
                    }).tokens();
            int[] other = model.generate(prompt, new Generation.Settings(16, new Sampling(1.2, 0, 1.0, 100),
                    List.of(), null), d -> {
                    }).tokens();
            assertArrayEquals(first, again);
            assertTrue(!java.util.Arrays.equals(first, other), "another seed gives another text");
        }
    }

    @Test
    void stopSequencesNeverReachTheCallerEvenSplitAcrossTokens() {
        StopMatcher stops = new StopMatcher(List.of("lo w", "END"));
        StringBuilder shown = new StringBuilder();
        shown.append(stops.add("Hel"));
        shown.append(stops.add("lo"));
        assertEquals("Hel", shown.toString(), "'lo' is held back: it may start 'lo w'");
        shown.append(stops.add(" wor"));
        assertTrue(stops.stopped());
        assertEquals("Hel", shown.toString());
        StopMatcher other = new StopMatcher(List.of("END"));
        assertEquals("", other.add("E"), "'E' may start 'END'");
        assertEquals("", other.add("N"));
        assertEquals("ENX", other.add("X"));
        assertTrue(!other.stopped());
    }

    @Test
    void textIsAssembledInWholeCharacters() {
        Utf8Assembler utf8 = new Utf8Assembler();
        byte[] ni = "你".getBytes(StandardCharsets.UTF_8);
        assertEquals("", utf8.add(new byte[] { ni[0] }));
        assertEquals("", utf8.add(new byte[] { ni[1] }));
        assertEquals("你", utf8.add(new byte[] { ni[2], 'a' }).substring(0, 1));
        Utf8Assembler broken = new Utf8Assembler();
        assertEquals("", broken.add(new byte[] { (byte) 0xE4 }));
        assertEquals("\uFFFD", broken.flush(), "an unfinished character at the end");
    }

    @Test
    void chatMlPromptOfTheQwenVocabulary() throws Exception {
        Path file = TestData.require("tokenizer/ggml-vocab-qwen2.gguf");
        try (GgufFile gguf = GgufFile.open(file)) {
            ChatTemplate template = ChatTemplate.recognise(gguf.string("tokenizer.chat_template", null));
            assertEquals(ChatTemplate.CHATML, template);
            String text = template.render(List.of(new ChatTemplate.Turn("user", "Hello")), "");
            assertArrayEquals(new int[] { 151644, 872, 198, 9707, 151645, 198, 151644, 77091, 198 },
                    Tokenizer.of(gguf).encode(text, true, true));
            assertTrue(Tokenizer.of(gguf).endsGeneration(151645), "<|im_end|> ends generation");
        }
    }

    @Test
    void templatesAreRecognisedOrReported() {
        assertEquals(ChatTemplate.LLAMA3, ChatTemplate.recognise("{{ '<|start_header_id|>' + role }}"));
        assertEquals(ChatTemplate.LLAMA2, ChatTemplate.recognise("{{ '[INST] ' + content + ' [/INST]' }}"));
        assertEquals(ChatTemplate.PLAIN, ChatTemplate.recognise(null));
        EngineException e = assertThrows(EngineException.class, () -> ChatTemplate.recognise("<start_of_turn>x"));
        assertTrue(e.getMessage().contains("not one the engine knows"));
        assertEquals("<|start_header_id|>system<|end_header_id|>\n\nBe brief.<|eot_id|><|start_header_id|>user"
                + "<|end_header_id|>\n\nHi<|eot_id|><|start_header_id|>assistant<|end_header_id|>\n\n",
                ChatTemplate.LLAMA3.render(List.of(new ChatTemplate.Turn("system", "Be brief."),
                        new ChatTemplate.Turn("user", "Hi")), ""));
    }
}
