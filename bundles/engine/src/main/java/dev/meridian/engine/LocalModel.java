package dev.meridian.engine;

import java.nio.file.Path;
import java.util.List;
import java.util.function.BooleanSupplier;
import java.util.function.DoubleConsumer;

import dev.meridian.engine.gguf.GgufFile;
import dev.meridian.engine.gguf.TensorInfo;
import dev.meridian.engine.model.KvCache;
import dev.meridian.engine.model.ModelConfig;
import dev.meridian.engine.model.Parallel;
import dev.meridian.engine.model.Transformer;
import dev.meridian.engine.model.Weights;
import dev.meridian.engine.tensor.Kernels;
import dev.meridian.engine.tokenizer.Tokenizer;

/**
 * A loaded GGUF model: tokenizer, chat template, transformer, and the threads its kernels run on. Generations may
 * run concurrently (each has its own cache) but share the threads; a host usually runs one at a time. Closing
 * stops the threads and unmaps the file; do not close while a generation runs.
 */
public final class LocalModel implements AutoCloseable {
    private static final int PROMPT_BATCH = 64;

    /**
     * @param threads       kernel threads (at least 1)
     * @param contextLength positions per generation; 0 = the model's own, capped at 4096
     * @param chatTemplate  {@code chatml}, {@code llama3}, {@code llama2}, {@code mistral}, {@code plain}, or
     *                      {@code null} to recognise the model's own
     */
    public record Options(int threads, int contextLength, String chatTemplate) {
        public static Options defaults() {
            return new Options(Math.max(1, Runtime.getRuntime().availableProcessors()), 0, null);
        }
    }

    private final GgufFile file;
    private final Tokenizer tokenizer;
    private final ModelConfig config;
    private final Transformer transformer;
    private final Parallel parallel;
    private final int contextLength;
    private final ChatTemplate template;
    private final EngineException templateProblem;

    private LocalModel(GgufFile file, Options options, DoubleConsumer progress) {
        this.file = file;
        this.config = ModelConfig.of(file);
        this.tokenizer = Tokenizer.of(file);
        Weights weights = new Weights(file, config);
        if (weights.vocabulary != tokenizer.size()) {
            throw new EngineException(file.path().getFileName() + ": the embedding has " + weights.vocabulary
                    + " rows but the tokenizer " + tokenizer.size() + " tokens");
        }
        touch(progress);
        this.parallel = new Parallel(options.threads());
        this.transformer = new Transformer(config, weights, parallel);
        int wanted = options.contextLength() > 0 ? options.contextLength() : Math.min(config.contextLength(), 4096);
        this.contextLength = Math.min(wanted, Math.max(config.contextLength(), 1));
        ChatTemplate recognised = null;
        EngineException problem = null;
        try {
            recognised = options.chatTemplate() != null ? ChatTemplate.named(options.chatTemplate())
                    : ChatTemplate.recognise(file.string("tokenizer.chat_template", null));
        } catch (EngineException e) {
            problem = e;
        }
        this.template = recognised;
        this.templateProblem = problem;
    }

    /**
     * Maps and checks a model. {@code progress} (may be {@code null}) hears 0..1 while the weights are paged in.
     *
     * @throws EngineException naming the problem (bad file, unsupported architecture or type, ...)
     */
    public static LocalModel load(Path path, Options options, DoubleConsumer progress) {
        GgufFile file = GgufFile.open(path);
        try {
            return new LocalModel(file, options, progress);
        } catch (RuntimeException e) {
            file.close();
            throw e instanceof EngineException ee ? ee
                    : new EngineException(path.getFileName() + ": cannot load: " + e, e);
        } catch (Error e) {
            file.close(); // whatever ends the load, the mapping ends with it
            throw e;
        }
    }

    /** Reads one byte per page of every tensor, so the first request does not pay for page faults. */
    private void touch(DoubleConsumer progress) {
        long total = 0;
        for (TensorInfo tensor : file.tensors().values()) {
            total += tensor.data().byteSize();
        }
        long done = 0;
        long reported = 0;
        byte sink = 0;
        for (TensorInfo tensor : file.tensors().values()) {
            long size = tensor.data().byteSize();
            for (long offset = 0; offset < size; offset += 4096) {
                sink ^= tensor.data().get(java.lang.foreign.ValueLayout.JAVA_BYTE, offset);
            }
            done += size;
            if (progress != null && (done - reported > total / 50 || done == total)) {
                progress.accept(total == 0 ? 1 : (double) done / total);
                reported = done;
            }
        }
        pageSink = sink; // keeps the reads from being optimised away
    }

    @SuppressWarnings("unused")
    private static volatile byte pageSink;

    /** How many tokens the vocabulary holds. */
    public int vocabularySize() {
        return tokenizer.size();
    }

    /** {@code llama}, {@code qwen2} or {@code qwen3}. */
    public String architecture() {
        return config.architecture();
    }

    /** Token ids of {@code text}: BOS first if {@code addSpecial} and the model wants one. */
    public int[] tokenize(String text, boolean addSpecial, boolean parseSpecial) {
        return tokenizer.encode(text, addSpecial, parseSpecial);
    }

    public int contextLength() {
        return contextLength;
    }

    /**
     * The model's name as answers report it: {@code general.name}, unless the file leaves it out or only repeats the
     * architecture (converters often write {@code llama} there), then the file's name without {@code .gguf}.
     */
    public String name() {
        String name = file.string("general.name", "").strip();
        if (name.isEmpty() || name.equalsIgnoreCase(architecture())) {
            String fileName = file.path().getFileName().toString();
            return fileName.endsWith(".gguf") ? fileName.substring(0, fileName.length() - 5) : fileName;
        }
        return name;
    }

    public Path path() {
        return file.path();
    }

    public String kernels() {
        return Kernels.describe() + ", " + parallel.threads() + " threads";
    }

    /** @throws EngineException if the model's template is not one the engine knows */
    public ChatTemplate chatTemplate() {
        if (templateProblem != null) {
            throw templateProblem;
        }
        return template;
    }

    /** The prompt tokens of a conversation, through the chat template, BOS as the model wants it. */
    public int[] chatPrompt(List<ChatTemplate.Turn> turns) {
        return chatPrompt(turns, () -> false);
    }

    /**
     * As above, stopping early: at a cancel, and as soon as the prompt needs more tokens than the context can take
     * with room for one more, without tokenizing the rest of a long text.
     *
     * @throws java.util.concurrent.CancellationException when {@code cancelled} turns true meanwhile
     * @throws EngineException                            when the prompt does not fit the context
     */
    public int[] chatPrompt(List<ChatTemplate.Turn> turns, BooleanSupplier cancelled) {
        ChatTemplate chat = chatTemplate();
        String bosText = tokenizer.bos() >= 0 ? tokenizer.vocabulary().token(tokenizer.bos()) : "";
        boolean leadingBos = chat == ChatTemplate.LLAMA3 || chat == ChatTemplate.MISTRAL;
        ChatTemplate.Prompt prompt = chat.prompt(turns, leadingBos ? "" : bosText);
        // Llama 3's and Mistral's templates write BOS only at the start, Llama 2's before each later turn too: the
        // first comes from the tokenizer, when the model wants one, never twice.
        // Control tokens only where the template put them: user text is never parsed for them.
        try {
            return tokenizer.encode(prompt.text(), true, prompt::controlAt,
                    new Tokenizer.Budget(contextLength - 1, cancelled));
        } catch (EngineException tooLong) {
            throw new EngineException("the prompt has more than " + (contextLength - 1) + " tokens; the context holds "
                    + contextLength + " and needs room for at least one more");
        }
    }

    /**
     * Generates after {@code prompt}, streaming text to {@code sink}, on the calling thread.
     *
     * @throws EngineException if the prompt does not fit the context
     */
    public Generation.Result generate(int[] prompt, Generation.Settings settings, Generation.Sink sink) {
        return new Generator(transformer, tokenizer, contextLength, PROMPT_BATCH).generate(prompt, settings, sink);
    }

    /**
     * Teacher forcing: feeds {@code prompt} then {@code tokens}, and returns the model's top-1 prediction at each
     * position of {@code tokens} (the prediction for {@code tokens[i]} is made after seeing everything before it).
     */
    public int[] score(int[] prompt, int[] tokens) {
        int total = prompt.length + tokens.length;
        if (total > contextLength) {
            throw new EngineException(total + " tokens do not fit the context of " + contextLength);
        }
        KvCache cache = transformer.newCache(contextLength);
        int[] all = new int[total];
        System.arraycopy(prompt, 0, all, 0, prompt.length);
        System.arraycopy(tokens, 0, all, prompt.length, tokens.length);
        int[] top = new int[tokens.length];
        for (int from = 0; from < total; from += PROMPT_BATCH) {
            int to = Math.min(total, from + PROMPT_BATCH);
            float[][] logits = transformer.forward(cache, java.util.Arrays.copyOfRange(all, from, to), true);
            for (int t = from; t < to; t++) {
                int target = t + 1 - prompt.length; // logits at t predict position t + 1
                if (target >= 0 && target < tokens.length) {
                    top[target] = Sampler.argmax(logits[t - from]);
                }
            }
        }
        return top;
    }

    /** Logits after feeding {@code tokens} (all positions), for tests and tools. */
    public float[][] logits(int[] tokens) {
        KvCache cache = transformer.newCache(Math.max(contextLength, tokens.length));
        return transformer.forward(cache, tokens, true);
    }

    @Override
    public void close() {
        try {
            parallel.close();
        } finally {
            file.close();
        }
    }
}
