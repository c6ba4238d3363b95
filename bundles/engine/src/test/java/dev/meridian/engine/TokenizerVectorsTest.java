package dev.meridian.engine;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import dev.meridian.engine.gguf.GgufFile;
import dev.meridian.engine.tokenizer.Tokenizer;

/**
 * Tokenizer test vectors, llama.cpp's own and transformers.js's for vocabularies llama.cpp's tests do not ship here:
 * every case must give the same ids (no BOS, special tokens as text).
 */
class TokenizerVectorsTest {

    @TempDir
    static Path dir;

    @ParameterizedTest
    @ValueSource(strings = { "ggml-vocab-gpt-2.gguf", "ggml-vocab-llama-spm.gguf", "ggml-vocab-qwen2.gguf" })
    void matchesLlamaCppVectors(String vocab) throws Exception {
        Path file = TestData.require("tokenizer/" + vocab);
        check(file, inputs(Path.of(file + ".inp")), Files.readAllLines(Path.of(file + ".out"), StandardCharsets.UTF_8));
    }

    /**
     * Vocabularies kept gzipped in this module's test resources, each with its reference ids (see
     * {@code src/test/resources/tokenizer/README.md}): llama.cpp's vocabulary files and vectors (the ids of Hugging
     * Face's tokenizers for llama.cpp's test strings), and Tekken written from the model's {@code tokenizer.json}
     * with transformers.js's ids.
     */
    @ParameterizedTest
    @ValueSource(strings = { "ggml-vocab-tekken.gguf", "ggml-vocab-llama-bpe.gguf", "ggml-vocab-mpt.gguf",
            "ggml-vocab-starcoder.gguf", "ggml-vocab-refact.gguf", "ggml-vocab-falcon.gguf",
            "ggml-vocab-deepseek-llm.gguf", "ggml-vocab-deepseek-coder.gguf", "ggml-vocab-qwen35.gguf" })
    void matchesReferenceVectorsOfBundledVocabularies(String vocab) throws Exception {
        Path file = BundledVocabulary.unpack(vocab, dir);
        check(file, inputs(resourceFile(vocab + ".inp")), resourceLines(vocab + ".out"));
    }

    /**
     * The standard strings do not tell most of these expressions apart (DeepSeek's, Qwen 3.5's and StarCoder's pass
     * them with GPT-2's or Qwen2's): {@code extra.inp} has strings that do (digit runs, CJK next to Latin,
     * full-width and curly punctuation, cased and uncased letters, combining marks, trailing space, symbols), with
     * the ids llama.cpp's own tokenizer gives for them.
     */
    @ParameterizedTest
    @ValueSource(strings = { "ggml-vocab-llama-bpe.gguf", "ggml-vocab-mpt.gguf", "ggml-vocab-starcoder.gguf",
            "ggml-vocab-refact.gguf", "ggml-vocab-falcon.gguf", "ggml-vocab-deepseek-llm.gguf",
            "ggml-vocab-deepseek-coder.gguf", "ggml-vocab-qwen35.gguf" })
    void matchesLlamaCppOnStringsThatTellTheExpressionsApart(String vocab) throws Exception {
        Path file = BundledVocabulary.unpack(vocab, dir);
        check(file, inputs(resourceFile("extra.inp")), resourceLines(vocab + ".extra.out"));
    }

    private static Path resourceFile(String name) throws Exception {
        Path file = dir.resolve(name);
        try (InputStream in = BundledVocabulary.resource(name)) {
            Files.copy(in, file, StandardCopyOption.REPLACE_EXISTING);
        }
        return file;
    }

    private static List<String> resourceLines(String name) throws Exception {
        try (InputStream in = BundledVocabulary.resource(name)) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8).lines().toList();
        }
    }

    private static void check(Path file, List<String> inputs, List<String> expected) throws Exception {
        assertEquals(expected.size(), inputs.size(), "cases in .inp and .out");
        try (GgufFile gguf = GgufFile.open(file)) {
            Tokenizer tokenizer = Tokenizer.of(gguf);
            List<String> failures = new ArrayList<>();
            for (int i = 0; i < inputs.size(); i++) {
                int[] ids = tokenizer.encode(inputs.get(i), false, false);
                int[] want = parse(expected.get(i));
                if (!Arrays.equals(want, ids)) {
                    failures.add("case " + i + " '" + inputs.get(i).replace("\n", "\\n") + "': expected "
                            + Arrays.toString(want) + " got " + Arrays.toString(ids));
                }
            }
            assertEquals(List.of(), failures, file.getFileName() + ": " + failures.size() + " of " + inputs.size()
                    + " differ");
        }
    }

    @ParameterizedTest
    @ValueSource(strings = { "models/stories260K-F32.gguf" })
    void storiesVocabularyMatches(String model) throws Exception {
        Path file = TestData.require(model);
        List<String> inputs = inputs(TestData.require("tokenizer/stories260K-tok512.inp"));
        List<String> expected = Files.readAllLines(TestData.require("tokenizer/stories260K-tok512.out"));
        try (GgufFile gguf = GgufFile.open(file)) {
            Tokenizer tokenizer = Tokenizer.of(gguf);
            for (int i = 0; i < inputs.size(); i++) {
                assertArrayEquals(parse(expected.get(i)), tokenizer.encode(inputs.get(i), false, false),
                        "case " + i + " '" + inputs.get(i) + "'");
            }
        }
    }

    static List<String> inputs(Path file) throws Exception {
        String text = Files.readString(file, StandardCharsets.UTF_8);
        String delimiter = "\n__ggml_vocab_test__\n";
        List<String> parts = new ArrayList<>(Arrays.asList(text.split(delimiter, -1)));
        if (!parts.isEmpty() && parts.get(parts.size() - 1).isEmpty()) {
            parts.remove(parts.size() - 1);
        }
        return parts;
    }

    static int[] parse(String line) {
        String trimmed = line.strip();
        return trimmed.isEmpty() ? new int[0] : Arrays.stream(trimmed.split("\\s+")).mapToInt(Integer::parseInt)
                .toArray();
    }
}
