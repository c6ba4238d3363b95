package dev.meridian.engine;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * The engine against llama.cpp's reference decodings in {@code ../shared/testdata/models}: F32 and F16 greedy ids
 * equal token for token; every type, under teacher forcing, has the reference's top-1 at every position whose
 * margin is at least 0.05.
 */
class ReferenceDecodingTest {
    private static final double MARGIN = 0.05;

    @ParameterizedTest(name = "{0}")
    @CsvSource({ "models/stories260K-ffn192-F32.gguf, models/stories260K-ffn192-F32.reference.json, true",
            "models/stories260K-F32.gguf, models/stories260K-ffn192-F32.reference.json, true",
            "models/stories260K-ffn192-F16.gguf, models/stories260K-ffn192-F32.reference.json, true",
            "models/stories260K-ffn192-Q8_0.gguf, models/stories260K-ffn192-Q8_0.reference.json, false",
            "models/stories260K-ffn192-Q4_0.gguf, models/stories260K-ffn192-Q4_0.reference.json, false",
            "models/tiny/tiny-llama-Q4_K.gguf, models/tiny/tiny-llama-Q4_K.reference.json, false",
            "models/tiny/tiny-qwen3-Q4_K.gguf, models/tiny/tiny-qwen3-Q4_K.reference.json, false" })
    void matchesReference(String model, String reference, boolean exactGreedy) throws Exception {
        Path modelFile = TestData.require(model);
        JsonNode root = new ObjectMapper().readTree(TestData.require(reference).toFile());
        try (LocalModel engine = LocalModel.load(modelFile, new LocalModel.Options(2, 0, null), null)) {
            List<String> problems = new ArrayList<>();
            for (JsonNode prompt : root.get("prompts")) {
                JsonNode promptIds = prompt.has("prompt_tokens_with_bos") ? prompt.get("prompt_tokens_with_bos")
                        : prompt.get("prompt_tokens");
                int[] ids = ints(promptIds);
                int[] greedy = ints(prompt.get("greedy_tokens"));
                double[] margins = doubles(prompt.get("top1_margins"));
                String text = prompt.get("prompt").asText();
                assertArrayEquals(ids, engine.tokenize(text, true, true), "prompt tokens of '" + text + "'");
                int[] top = engine.score(ids, greedy);
                for (int i = 0; i < greedy.length; i++) {
                    if (margins[i] >= MARGIN && top[i] != greedy[i]) {
                        problems.add("'" + text + "' position " + i + ": top-1 " + top[i] + ", reference " + greedy[i]
                                + " (margin " + margins[i] + ")");
                    }
                }
                if (exactGreedy) {
                    Generation.Result result = engine.generate(ids, new Generation.Settings(greedy.length,
                            Sampling.GREEDY, List.of(), null), delta -> {
                            });
                    assertArrayEquals(greedy, result.tokens(), "greedy ids of '" + text + "'");
                    if (prompt.has("greedy_text")) {
                        assertEquals(prompt.get("greedy_text").asText(), result.text());
                    }
                }
            }
            assertTrue(problems.isEmpty(), model + ": " + problems);
        }
    }

    static int[] ints(JsonNode array) {
        int[] out = new int[array.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = array.get(i).asInt();
        }
        return out;
    }

    static double[] doubles(JsonNode array) {
        double[] out = new double[array.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = array.get(i).asDouble();
        }
        return out;
    }
}
