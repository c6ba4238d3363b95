package dev.meridian.engine;

import java.util.ArrayList;
import java.util.List;

import dev.meridian.engine.model.KvCache;
import dev.meridian.engine.model.Transformer;
import dev.meridian.engine.tokenizer.Tokenizer;

/**
 * The generation loop of one request: the prompt fed in batches, then token after token sampled, its bytes
 * assembled into UTF-8 text, stop sequences held back until they are decided, to its end (end of text, a stop
 * sequence, the token limit, a full context or a cancel, checked between tokens).
 */
final class Generator {
    private final Transformer transformer;
    private final Tokenizer tokenizer;
    private final int contextLength;
    private final int promptBatch;

    Generator(Transformer transformer, Tokenizer tokenizer, int contextLength, int promptBatch) {
        this.transformer = transformer;
        this.tokenizer = tokenizer;
        this.contextLength = contextLength;
        this.promptBatch = promptBatch;
    }

    /**
     * Generates after {@code prompt}, streaming text to {@code sink}, on the calling thread.
     *
     * @throws EngineException if the prompt does not fit the context
     */
    Generation.Result generate(int[] prompt, Generation.Settings settings, Generation.Sink sink) {
        if (prompt.length == 0) {
            throw new EngineException("the prompt is empty");
        }
        if (prompt.length >= contextLength) {
            throw new EngineException("the prompt has " + prompt.length + " tokens; the context holds "
                    + contextLength + " and needs room for at least one more");
        }
        // no larger than this generation can fill: a full-context cache per request would cost time and memory
        KvCache cache = transformer.newCache((int) Math.min(contextLength, (long) prompt.length + settings.maxTokens()));
        Sampler sampler = new Sampler(settings.sampling());
        StopMatcher stops = new StopMatcher(settings.stop());
        Utf8Assembler utf8 = new Utf8Assembler();
        List<Integer> generated = new ArrayList<>();
        StringBuilder text = new StringBuilder();
        long start = System.nanoTime();
        float[] logits = prefill(cache, prompt, settings);
        long promptNanos = System.nanoTime() - start;
        long generateStart = System.nanoTime();
        Generation.End end = null;
        if (logits == null) {
            end = Generation.End.CANCELLED;
        }
        while (end == null) {
            int token = sampler.next(logits);
            if (tokenizer.endsGeneration(token)) {
                end = Generation.End.END_OF_TEXT;
                break;
            }
            generated.add(token);
            String visible = stops.add(utf8.add(tokenizer.bytes(token)));
            text.append(visible);
            if (!visible.isEmpty()) {
                sink.text(visible);
            }
            if (stops.stopped()) {
                end = Generation.End.STOP_SEQUENCE;
            } else if (generated.size() >= settings.maxTokens()) {
                end = Generation.End.MAX_TOKENS;
            } else if (cache.length() >= contextLength) {
                end = Generation.End.CONTEXT_FULL;
            } else if (settings.cancelled().getAsBoolean()) {
                end = Generation.End.CANCELLED;
            } else {
                logits = transformer.forward(cache, new int[] { token }, false)[0];
            }
        }
        if (end != Generation.End.STOP_SEQUENCE && end != Generation.End.CANCELLED) {
            String rest = stops.flush(utf8.flush());
            if (!rest.isEmpty()) {
                text.append(rest);
                sink.text(rest);
            }
        }
        return new Generation.Result(generated.stream().mapToInt(Integer::intValue).toArray(), text.toString(), end,
                prompt.length, promptNanos, System.nanoTime() - generateStart);
    }

    /** Feeds the prompt in batches; the logits after its last token, or {@code null} if cancelled meanwhile. */
    private float[] prefill(KvCache cache, int[] prompt, Generation.Settings settings) {
        float[] logits = null;
        for (int from = 0; from < prompt.length; from += promptBatch) {
            if (settings.cancelled().getAsBoolean()) {
                return null;
            }
            int to = Math.min(prompt.length, from + promptBatch);
            logits = transformer.forward(cache, java.util.Arrays.copyOfRange(prompt, from, to), false)[0];
        }
        return logits;
    }
}
