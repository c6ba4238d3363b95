package dev.meridian.engine.cli;

import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.stream.Collectors;

import dev.meridian.engine.EngineException;
import dev.meridian.engine.Generation;
import dev.meridian.engine.LocalModel;
import dev.meridian.engine.Sampling;
import dev.meridian.engine.gguf.GgmlType;
import dev.meridian.engine.gguf.GgufFile;
import dev.meridian.engine.gguf.TensorInfo;
import dev.meridian.engine.tensor.Activations;
import dev.meridian.engine.tensor.WeightMatrix;
import dev.meridian.engine.tokenizer.Tokenizer;
import dev.meridian.engine.tools.RandomModel;

/**
 * The engine on the command line: {@code java --add-modules jdk.incubator.vector -jar engine.jar <command>}.
 * Exit status 0 on success, 1 when the command failed (the reason on standard error), 2 for wrong arguments.
 */
public final class Main {
    private static final String USAGE = """
            usage: java --add-modules jdk.incubator.vector -jar engine.jar <command> [options]
              tokenize --model F (--text T | --file P) [--bos] [--special] [--count]
                                                                token ids of T (no BOS unless --bos); any GGUF with a
                                                                tokenizer, vocabulary-only files too; --count: how many
                                                                and how long it took
              generate --model F --prompt T [--max-tokens N] [--temperature X] [--top-k K] [--top-p P] [--seed S]
                       [--ids] [--threads N] [--context N]         generated ids (with --ids) then the text
              score --model F --prompt T --tokens "i1 i2 ..."       top-1 id at each given position (teacher forcing)
              bench --model F [--threads N] [--prompt-tokens N] [--gen-tokens N] [--runs N]
                                                                    load time, prompt and generation tokens/s
              bench --model F --tensor NAME [--runs N]              one thread's decoding kernel on one tensor
              random-model --shape qwen2.5-0.5b|llama3.2-1b --out F [--seed S]
                       --type Q8_0|Q4_0|Q4_1|Q5_0|Q5_1|Q2_K|Q3_K|Q4_K|Q5_K|Q6_K|IQ4_NL|IQ4_XS
            """;

    private Main() {
    }

    public static void main(String[] args) {
        System.exit(run(args, new PrintStream(System.out, true, StandardCharsets.UTF_8), System.err));
    }

    static int run(String[] args, PrintStream out, PrintStream err) {
        if (args.length == 0) {
            err.print(USAGE);
            return 2;
        }
        Map<String, String> options;
        try {
            options = options(Arrays.copyOfRange(args, 1, args.length));
            checkKnown(args[0], options);
        } catch (IllegalArgumentException e) {
            err.println("error: " + e.getMessage());
            err.print(USAGE);
            return 2;
        }
        try {
            switch (args[0]) {
                case "tokenize" -> tokenize(options, out);
                case "generate" -> generate(options, out);
                case "score" -> score(options, out);
                case "bench" -> bench(options, out);
                case "random-model" -> randomModel(options, out);
                default -> {
                    err.println("error: unknown command '" + args[0] + "'");
                    err.print(USAGE);
                    return 2;
                }
            }
            return 0;
        } catch (IllegalArgumentException e) {
            err.println("error: " + e.getMessage());
            return 2;
        } catch (EngineException e) {
            err.println("error: " + e.getMessage());
            return 1;
        } catch (java.io.IOException e) {
            err.println("error: " + e);
            return 1;
        }
    }

    private static Map<String, String> options(String[] args) {
        Map<String, String> options = new HashMap<>();
        for (int i = 0; i < args.length; i++) {
            if (!args[i].startsWith("--")) {
                throw new IllegalArgumentException("unexpected argument '" + args[i] + "'");
            }
            String name = args[i].substring(2);
            boolean flag = List.of("bos", "special", "ids", "count").contains(name);
            if (flag) {
                options.put(name, "true");
            } else if (i + 1 >= args.length) {
                throw new IllegalArgumentException("--" + name + " needs a value");
            } else {
                options.put(name, args[++i]);
            }
        }
        return options;
    }

    /** The options each command takes: a misspelt one is an error, not silently ignored. */
    private static final Map<String, List<String>> KNOWN = Map.of(
            "tokenize", List.of("model", "text", "file", "bos", "special", "count"),
            "generate", List.of("model", "prompt", "max-tokens", "temperature", "top-k", "top-p", "seed", "ids",
                    "threads", "context"),
            "score", List.of("model", "prompt", "tokens", "threads", "context"),
            "bench", List.of("model", "threads", "prompt-tokens", "gen-tokens", "runs", "tensor", "context"),
            "random-model", List.of("shape", "type", "out", "seed"));

    private static void checkKnown(String command, Map<String, String> options) {
        List<String> known = KNOWN.get(command);
        if (known == null) {
            return; // an unknown command is reported as such
        }
        for (String name : options.keySet()) {
            if (!known.contains(name)) {
                throw new IllegalArgumentException(command + " takes no option --" + name);
            }
        }
    }

    private static String required(Map<String, String> options, String name) {
        String value = options.get(name);
        if (value == null) {
            throw new IllegalArgumentException("--" + name + " is required");
        }
        return value;
    }

    private static int integer(Map<String, String> options, String name, int defaultValue) {
        String value = options.get(name);
        try {
            return value == null ? defaultValue : Integer.parseInt(value);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("--" + name + " must be a whole number, was '" + value + "'");
        }
    }

    private static int positive(Map<String, String> options, String name, int defaultValue) {
        int value = integer(options, name, defaultValue);
        if (value < 1) {
            throw new IllegalArgumentException("--" + name + " must be at least 1, was " + value);
        }
        return value;
    }

    private static double real(Map<String, String> options, String name, double defaultValue) {
        String value = options.get(name);
        try {
            return value == null ? defaultValue : Double.parseDouble(value);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("--" + name + " must be a number, was '" + value + "'");
        }
    }

    private static LocalModel load(Map<String, String> options) {
        Path model = Path.of(required(options, "model"));
        if (!Files.isRegularFile(model)) {
            throw new EngineException(model + ": no such file");
        }
        int threads = integer(options, "threads", Runtime.getRuntime().availableProcessors());
        if (threads < 1) {
            throw new IllegalArgumentException("--threads must be at least 1");
        }
        int context = options.containsKey("context") ? positive(options, "context", 0) : 0; // 0: the model's own
        return LocalModel.load(model, new LocalModel.Options(threads, context, null), null);
    }

    private static String ids(int[] ids) {
        return Arrays.stream(ids).mapToObj(Integer::toString).collect(Collectors.joining(" "));
    }

    /** Reads only the tokenizer, so vocabulary-only files (llama.cpp's ggml-vocab-*.gguf) work too. */
    private static void tokenize(Map<String, String> options, PrintStream out) throws java.io.IOException {
        Path path = Path.of(required(options, "model"));
        if (!Files.isRegularFile(path)) {
            throw new EngineException(path + ": no such file");
        }
        String text = options.containsKey("file") ? Files.readString(Path.of(options.get("file")))
                : required(options, "text");
        try (GgufFile file = GgufFile.open(path)) {
            Tokenizer tokenizer = Tokenizer.of(file);
            long start = System.nanoTime();
            int[] ids = tokenizer.encode(text, options.containsKey("bos"), options.containsKey("special"));
            long nanos = System.nanoTime() - start;
            if (options.containsKey("count")) {
                out.printf("%d tokens from %d characters in %.3f s%n", ids.length, text.length(), nanos / 1e9);
            } else {
                out.println(ids(ids));
            }
        }
    }

    private static void generate(Map<String, String> options, PrintStream out) {
        try (LocalModel model = load(options)) {
            int[] prompt = model.tokenize(required(options, "prompt"), true, true);
            Sampling sampling = new Sampling(real(options, "temperature", 0), integer(options, "top-k", 40),
                    real(options, "top-p", 1.0), integer(options, "seed", 0));
            boolean printIds = options.containsKey("ids");
            StringBuilder text = new StringBuilder();
            Generation.Result result = model.generate(prompt, new Generation.Settings(
                    integer(options, "max-tokens", 64), sampling, List.of(), null), printIds ? text::append
                            : delta -> out.print(delta));
            if (printIds) {
                out.println(ids(result.tokens()));
                out.println(result.text());
            } else {
                out.println();
            }
        }
    }

    private static void score(Map<String, String> options, PrintStream out) {
        try (LocalModel model = load(options)) {
            int[] prompt = model.tokenize(required(options, "prompt"), true, true);
            int[] tokens;
            try {
                tokens = Arrays.stream(required(options, "tokens").trim().split("[\\s,]+")).filter(s -> !s.isEmpty())
                        .mapToInt(Integer::parseInt).toArray();
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("--tokens must be token ids separated by spaces");
            }
            out.println(ids(model.score(prompt, tokens)));
        }
    }

    private static void bench(Map<String, String> options, PrintStream out) {
        if (options.containsKey("tensor")) {
            benchTensor(options, out);
            return;
        }
        int promptTokens = positive(options, "prompt-tokens", 64);
        int genTokens = positive(options, "gen-tokens", 32);
        int runs = positive(options, "runs", 3);
        long start = System.nanoTime();
        try (LocalModel model = load(options)) {
            double loadSeconds = (System.nanoTime() - start) / 1e9;
            SplittableRandom random = new SplittableRandom(1);
            int vocab = model.vocabularySize();
            double[] prompt = new double[runs];
            double[] generate = new double[runs];
            for (int run = -1; run < runs; run++) { // run -1 warms up the JIT
                int[] ids = random.ints(promptTokens, 0, vocab).toArray();
                Generation.Result result = model.generate(ids, new Generation.Settings(genTokens, Sampling.GREEDY,
                        List.of(), null), delta -> {
                        });
                if (run >= 0) {
                    prompt[run] = result.promptTokensPerSecond();
                    generate[run] = result.tokensPerSecond();
                }
            }
            Arrays.sort(prompt);
            Arrays.sort(generate);
            out.printf("model: %s (%s), kernels: %s%n", model.path().getFileName(), model.architecture(),
                    model.kernels());
            out.printf("load: %.2f s%n", loadSeconds);
            out.printf("prompt: %d tokens, median %.1f tokens/s over %d runs%n", promptTokens, prompt[runs / 2],
                    runs);
            out.printf("generation: %d tokens, median %.1f tokens/s over %d runs%n", genTokens, generate[runs / 2],
                    runs);
        }
    }

    /**
     * Times the matrix-vector product of one tensor with one activation vector on this thread (the kernel that
     * decoding runs, without the threads and the rest of the model): best of the runs after ten warm-up passes.
     */
    private static void benchTensor(Map<String, String> options, PrintStream out) {
        String name = options.get("tensor");
        int runs = positive(options, "runs", 30);
        try (GgufFile file = GgufFile.open(Path.of(required(options, "model")))) {
            TensorInfo tensor = file.tensor(name);
            if (tensor == null) {
                throw new EngineException("the model has no tensor " + name);
            }
            WeightMatrix matrix = WeightMatrix.of(tensor);
            float[] x = new float[matrix.cols()];
            SplittableRandom random = new SplittableRandom(1);
            for (int i = 0; i < x.length; i++) {
                x[i] = (float) random.nextGaussian();
            }
            Activations[] prepared = { matrix.prepare(x) };
            float[][] result = new float[1][matrix.rows()];
            long best = Long.MAX_VALUE;
            for (int run = -10; run < runs; run++) {
                long start = System.nanoTime();
                matrix.multiply(prepared, result, 0, matrix.rows());
                if (run >= 0) {
                    best = Math.min(best, System.nanoTime() - start);
                }
            }
            out.printf("tensor %s: %s, %d x %d, kernels: %s%n", name, tensor.type(), matrix.rows(), matrix.cols(),
                    dev.meridian.engine.tensor.Kernels.describe());
            out.printf("one thread, best of %d passes: %.3f ms, %.2f G multiply-adds/s%n", runs, best / 1e6,
                    (double) matrix.rows() * matrix.cols() / best);
        }
    }

    private static void randomModel(Map<String, String> options, PrintStream out) throws java.io.IOException {
        RandomModel.Shape shape = RandomModel.Shape.named(required(options, "shape"));
        String typeName = required(options, "type");
        java.util.List<String> quantized = java.util.List.of("Q8_0", "Q4_0", "Q4_1", "Q5_0", "Q5_1", "Q2_K", "Q3_K",
                "Q4_K", "Q5_K", "Q6_K", "IQ4_NL", "IQ4_XS");
        if (!quantized.contains(typeName)) {
            throw new IllegalArgumentException("--type must be one of " + String.join(", ", quantized) + ", was '"
                    + typeName + "'");
        }
        GgmlType type = GgmlType.valueOf(typeName);
        Path target = Path.of(required(options, "out"));
        long start = System.nanoTime();
        RandomModel.write(target, shape, type, integer(options, "seed", 42));
        out.printf("wrote %s (%d MiB) in %.1f s%n", target, Files.size(target) >> 20,
                (System.nanoTime() - start) / 1e9);
    }
}
