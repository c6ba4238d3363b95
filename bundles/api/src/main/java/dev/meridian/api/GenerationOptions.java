package dev.meridian.api;

import java.util.List;
import java.util.Map;

/**
 * How to generate. Every field is optional ({@code null} = the provider's default). {@code extra} carries
 * provider-specific switches by name (for example {@code enable_thinking} for Qwen models); a provider ignores
 * the names it does not know.
 */
public record GenerationOptions(Integer maxTokens, Double temperature, Double topP, Integer topK, Long seed,
        List<String> stop, Map<String, Object> extra) {

    public static final GenerationOptions DEFAULTS = new GenerationOptions(null, null, null, null, null, List.of(),
            Map.of());

    public GenerationOptions {
        if (maxTokens != null && maxTokens < 1) {
            throw new IllegalArgumentException("maxTokens must be at least 1, was " + maxTokens);
        }
        if (temperature != null && (temperature < 0 || temperature > 2 || temperature.isNaN())) {
            throw new IllegalArgumentException("temperature must be between 0 and 2, was " + temperature);
        }
        if (topP != null && (topP <= 0 || topP > 1 || topP.isNaN())) {
            throw new IllegalArgumentException("topP must be in (0, 1], was " + topP);
        }
        if (topK != null && topK < 1) {
            throw new IllegalArgumentException("topK must be at least 1, was " + topK);
        }
        stop = stop == null ? List.of() : List.copyOf(stop);
        extra = extra == null ? Map.of() : Map.copyOf(extra);
    }

    public GenerationOptions withMaxTokens(Integer value) {
        return new GenerationOptions(value, temperature, topP, topK, seed, stop, extra);
    }

    public GenerationOptions withTemperature(Double value) {
        return new GenerationOptions(maxTokens, value, topP, topK, seed, stop, extra);
    }

    public GenerationOptions withTopP(Double value) {
        return new GenerationOptions(maxTokens, temperature, value, topK, seed, stop, extra);
    }

    public GenerationOptions withTopK(Integer value) {
        return new GenerationOptions(maxTokens, temperature, topP, value, seed, stop, extra);
    }

    public GenerationOptions withSeed(Long value) {
        return new GenerationOptions(maxTokens, temperature, topP, topK, value, stop, extra);
    }

    public GenerationOptions withStop(List<String> value) {
        return new GenerationOptions(maxTokens, temperature, topP, topK, seed, value, extra);
    }

    public GenerationOptions withExtra(Map<String, Object> value) {
        return new GenerationOptions(maxTokens, temperature, topP, topK, seed, stop, value);
    }
}
