package dev.meridian.engine;

import java.util.List;
import java.util.function.BooleanSupplier;

/**
 * One generation's settings and result.
 */
public final class Generation {
    private Generation() {
    }

    /**
     * @param maxTokens most tokens to generate
     * @param stop      texts that end the answer (not included in it)
     * @param cancelled checked before every token; when it turns true the generation stops within one token
     */
    public record Settings(int maxTokens, Sampling sampling, List<String> stop, BooleanSupplier cancelled) {
        public Settings {
            if (maxTokens < 1) {
                throw new IllegalArgumentException("maxTokens must be at least 1, was " + maxTokens);
            }
            stop = stop == null ? List.of() : List.copyOf(stop);
            cancelled = cancelled == null ? () -> false : cancelled;
        }
    }

    /** Why generation ended. */
    public enum End {
        /** The model produced its end-of-text token. */
        END_OF_TEXT,
        /** A stop sequence appeared. */
        STOP_SEQUENCE,
        /** {@code maxTokens} were generated. */
        MAX_TOKENS,
        /** The context window is full. */
        CONTEXT_FULL,
        /** The caller cancelled. */
        CANCELLED
    }

    /** Receives text as it is generated, in whole characters. */
    @FunctionalInterface
    public interface Sink {
        void text(String delta);
    }

    public record Result(int[] tokens, String text, End end, int promptTokens, long promptNanos, long generateNanos) {
        public double promptTokensPerSecond() {
            return promptNanos == 0 ? 0 : promptTokens * 1e9 / promptNanos;
        }

        public double tokensPerSecond() {
            return generateNanos == 0 ? 0 : tokens.length * 1e9 / generateNanos;
        }
    }
}
