package dev.meridian.api;

/** Token counts of one request. {@code reasoningTokens} are part of {@code completionTokens}. */
public record Usage(int promptTokens, int completionTokens, int reasoningTokens) {
    public static final Usage NONE = new Usage(0, 0, 0);

    public int totalTokens() {
        return promptTokens + completionTokens;
    }
}
