package dev.meridian.api;

/** The whole answer of a blocking call. */
public record ChatResponse(String text, String reasoning, FinishReason finishReason, Usage usage,
        Provenance provenance) {
}
