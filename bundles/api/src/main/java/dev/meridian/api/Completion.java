package dev.meridian.api;

import java.util.Objects;

/**
 * The end of a stream: why it ended, what it used, who served it, and the error if it failed.
 *
 * @param finishReason why it ended
 * @param usage        token counts
 * @param provenance   who answered and where; never {@code null}
 * @param error        the error when {@code finishReason} is {@link FinishReason#ERROR},
 *                     {@link FinishReason#CANCELLED} or {@link FinishReason#PROVIDER_CLOSED}; else {@code null}
 * @param label        the AI-generated-content label; the router sets it on every routed completion, a provider
 *                     leaves it {@code null}
 */
public record Completion(FinishReason finishReason, Usage usage, Provenance provenance, ModelException error,
        ContentLabel label) {
    public Completion {
        Objects.requireNonNull(finishReason, "finishReason");
        Objects.requireNonNull(provenance, "provenance");
        usage = usage == null ? Usage.NONE : usage;
    }

    /** A completion as a provider reports it, without a label. */
    public Completion(FinishReason finishReason, Usage usage, Provenance provenance, ModelException error) {
        this(finishReason, usage, provenance, error, null);
    }

    public Completion withLabel(ContentLabel value) {
        return new Completion(finishReason, usage, provenance, error, value);
    }

    public boolean failed() {
        return error != null;
    }
}
