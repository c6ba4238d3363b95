package dev.meridian.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import dev.meridian.engine.gguf.GgmlType;
import dev.meridian.engine.gguf.GgufFile;
import dev.meridian.engine.tools.RandomModel;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Hostile model files. Runs in its own Surefire execution with {@code -Xmx128m} (see the engine's pom): the
 * fuzzer's 2,000 cases per build ({@code -Dgguf.fuzz.cases=N} for more, {@code -Dgguf.fuzz.seed=S} to replay), and
 * the sparse files that used to exhaust the heap.
 */
class GgufFuzzTest {
    @TempDir
    Path dir;

    @Test
    void mutatedModelsLoadOrAreRefusedNamingTheProblem() throws Exception {
        int cases = Integer.getInteger("gguf.fuzz.cases", 2_000);
        long seed = Long.getLong("gguf.fuzz.seed", System.nanoTime());
        List<Path> seeds = new ArrayList<>();
        seeds.add(TinyModels.write(dir, "llama", GgmlType.Q8_0));
        seeds.add(TinyModels.write(dir, "qwen2", GgmlType.Q4_0));
        seeds.add(TinyModels.write(dir, "qwen3", GgmlType.Q4_K));
        seeds.add(TinyModels.write(dir, "llama", GgmlType.F16));
        Path shared = TestData.dir();
        if (shared != null && Files.exists(shared.resolve("models/stories260K-ffn192-Q8_0.gguf"))) {
            seeds.add(shared.resolve("models/stories260K-ffn192-Q8_0.gguf"));
        }
        Path work = Files.createDirectories(dir.resolve("work"));
        long start = System.nanoTime();
        GgufFuzzer.Report report = new GgufFuzzer(seeds, seed).run(cases, work);
        System.out.printf("gguf fuzz seed=%d cases=%d heap=%d MiB: %s in %.1f s (replay: -Dgguf.fuzz.seed=%d)%n",
                seed, cases, Runtime.getRuntime().maxMemory() >> 20, report, (System.nanoTime() - start) / 1e9,
                seed);
        assertEquals(0, report.failed(), "seed " + seed + ": " + String.join("\n", report.failures));
        assertTrue(report.count(GgufFuzzer.Outcome.REFUSED) > cases / 4, "the mutations hurt too little: " + report);
    }

    /** The attack: a 32 MiB sparse file whose array claims as many items as it has bytes. */
    @Test
    void sparseFilesClaimingHugeArraysAreRefusedBeforeAllocating() throws Exception {
        for (int type : new int[] { 4, 5, 6, 8, 0, 9 }) {
            Path file = dir.resolve("sparse-" + type + ".gguf");
            ByteBuffer header = ByteBuffer.allocate(128).order(ByteOrder.LITTLE_ENDIAN);
            byte[] key = "tokenizer.ggml.scores".getBytes(StandardCharsets.US_ASCII);
            header.putInt(0x46554747).putInt(3).putLong(0).putLong(1).putLong(key.length).put(key).putInt(9)
                    .putInt(type).putLong(32L << 20);
            try (RandomAccessFile out = new RandomAccessFile(file.toFile(), "rw")) {
                out.write(header.array(), 0, header.position());
                out.setLength(32L << 20); // the rest reads as zeros without taking disk
            }
            try {
                GgufFile.open(file).close();
            } catch (EngineException e) {
                assertTrue(e.getMessage().contains("tokenizer.ggml.scores"), e.getMessage());
            }
        }
    }

    @Test
    void aModelWhoseCacheWouldTakeTheHeapIsRefused() throws Exception {
        Path file = dir.resolve("deep.gguf");
        // few weights, but a claim of many layers' worth of cache: 48 layers x 2 x 1M positions x 128 x 4 bytes
        RandomModel.write(file, new RandomModel.Shape("llama", 64, 48, 2, 2, 128, 512, 1 << 20, 10000f, false),
                GgmlType.Q8_0, 3);
        try (LocalModel model = LocalModel.load(file, new LocalModel.Options(1, 1 << 20, null), null)) {
            EngineException e = assertThrows(EngineException.class, () -> model.generate(new int[] { 1, 2 },
                    new Generation.Settings(1 << 20, Sampling.GREEDY, List.of(), null), delta -> {
                    }));
            assertTrue(e.getMessage().contains("the heap has"), e.getMessage());
        }
    }
}
