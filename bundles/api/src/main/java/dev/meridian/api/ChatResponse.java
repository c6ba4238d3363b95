package dev.meridian.api;

/**
 * The whole answer of a blocking call.
 *
 * @param label the AI-generated-content label (routed answers always carry one); show
 *              {@link ContentLabel#explicitText()} with the text where the region asks for it
 */
public record ChatResponse(String text, String reasoning, FinishReason finishReason, Usage usage,
        Provenance provenance, ContentLabel label) {

    public ChatResponse(String text, String reasoning, FinishReason finishReason, Usage usage,
            Provenance provenance) {
        this(text, reasoning, finishReason, usage, provenance, null);
    }
}
