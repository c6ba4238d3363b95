package dev.meridian.engine.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.meridian.engine.TinyModels;
import dev.meridian.engine.gguf.GgmlType;

/** The engine's command line on a tiny model: each command's output and exit status, and wrong arguments. */
class CommandLineTest {
    @TempDir
    static Path dir;
    static String model;

    @BeforeAll
    static void writeModel() throws Exception {
        model = TinyModels.write(dir, "qwen2", GgmlType.Q8_0).toString();
    }

    private record Run(int status, String out, String err) {
    }

    private static Run run(String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int status = Main.run(args, new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
        return new Run(status, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    @Test
    void tokenizeGenerateAndScoreAgree() {
        Run tokens = run("tokenize", "--model", model, "--text", "hello world");
        assertEquals(0, tokens.status(), tokens.err());
        assertTrue(tokens.out().strip().matches("\\d+( \\d+)*"), tokens.out());

        Run generated = run("generate", "--model", model, "--prompt", "hello world", "--max-tokens", "6",
                "--temperature", "0", "--ids", "--threads", "1");
        assertEquals(0, generated.status(), generated.err());
        String ids = generated.out().lines().findFirst().orElseThrow().strip();
        assertTrue(ids.matches("\\d+( \\d+){0,5}"), generated.out());

        // teacher forcing on the greedy continuation predicts that continuation at every position
        Run scored = run("score", "--model", model, "--prompt", "hello world", "--tokens", ids, "--threads", "1");
        assertEquals(0, scored.status(), scored.err());
        assertEquals(ids, scored.out().strip());
    }

    /** Issue 11: tokenize reads only the tokenizer, so llama.cpp's vocabulary-only files work. */
    @Test
    void tokenizeReadsVocabularyOnlyFilesAndCounts() throws Exception {
        java.nio.file.Path vocab = dev.meridian.engine.TestData.require("tokenizer/ggml-vocab-qwen2.gguf");
        String text = "Hello world, 你好世界!";
        int[] expected;
        try (dev.meridian.engine.gguf.GgufFile file = dev.meridian.engine.gguf.GgufFile.open(vocab)) {
            expected = dev.meridian.engine.tokenizer.Tokenizer.of(file).encode(text, false, false);
        }
        Run tokens = run("tokenize", "--model", vocab.toString(), "--text", text);
        assertEquals(0, tokens.status(), tokens.err());
        assertEquals(java.util.Arrays.stream(expected).mapToObj(String::valueOf)
                .collect(java.util.stream.Collectors.joining(" ")), tokens.out().strip());
        Run counted = run("tokenize", "--model", vocab.toString(), "--text", text, "--count");
        assertEquals(0, counted.status(), counted.err());
        assertTrue(counted.out().startsWith(expected.length + " tokens from " + text.length() + " characters in "),
                counted.out());
    }

    @Test
    void benchReportsTheModelAndOneTensor() {
        Run bench = run("bench", "--model", model, "--threads", "2", "--prompt-tokens", "8", "--gen-tokens", "4",
                "--runs", "1");
        assertEquals(0, bench.status(), bench.err());
        assertTrue(bench.out().contains("prompt: 8 tokens, median"), bench.out());
        assertTrue(bench.out().contains("generation: 4 tokens, median"), bench.out());

        Run tensor = run("bench", "--model", model, "--tensor", "blk.0.ffn_up.weight", "--runs", "2");
        assertEquals(0, tensor.status(), tensor.err());
        assertTrue(tensor.out().contains("tensor blk.0.ffn_up.weight: Q8_0, 512 x 256"), tensor.out());
        assertTrue(tensor.out().contains("G multiply-adds/s"), tensor.out());

        Run missing = run("bench", "--model", model, "--tensor", "no.such.weight");
        assertEquals(1, missing.status());
        assertTrue(missing.err().contains("the model has no tensor no.such.weight"), missing.err());
    }

    @Test
    void wrongArgumentsExitWithTwoAndSayWhy() {
        Run misspelt = run("generate", "--model", model, "--prompt", "hi", "--temprature", "0");
        assertEquals(2, misspelt.status());
        assertTrue(misspelt.err().contains("generate takes no option --temprature"), misspelt.err());

        Run type = run("random-model", "--shape", "qwen2.5-0.5b", "--type", "IQ2_XS", "--out",
                dir.resolve("x").toString());
        assertEquals(2, type.status());
        assertTrue(type.err().contains(
                "--type must be one of Q8_0, Q4_0, Q4_1, Q5_0, Q5_1, Q2_K, Q3_K, Q4_K, Q5_K, Q6_K, IQ4_NL, IQ4_XS, "
                        + "was 'IQ2_XS'"), type.err());

        Run runs = run("bench", "--model", model, "--runs", "0");
        assertEquals(2, runs.status());
        assertTrue(runs.err().contains("--runs must be at least 1, was 0"), runs.err());

        Run unknown = run("train", "--model", model);
        assertEquals(2, unknown.status());
        assertTrue(unknown.err().contains("unknown command 'train'"), unknown.err());

        Run noModel = run("tokenize", "--model", dir.resolve("absent.gguf").toString(), "--text", "x");
        assertEquals(1, noModel.status());
        assertTrue(noModel.err().contains("no such file"), noModel.err());

        assertEquals(2, run().status());
    }
}
