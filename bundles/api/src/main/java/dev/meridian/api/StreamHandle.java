package dev.meridian.api;

import java.util.concurrent.CompletionStage;

import org.osgi.annotation.versioning.ProviderType;

/**
 * The caller's hold on a submitted stream, returned before the first token.
 */
@ProviderType
public interface StreamHandle {

    /**
     * Stops the work. Idempotent and safe from any thread. A stream not yet complete ends soon with
     * {@link FinishReason#CANCELLED} (the local engine within one token; cloud providers abort the HTTP exchange).
     */
    void cancel();

    /** Completes with the stream's {@link Completion} (also when it failed), after the listener saw it. */
    CompletionStage<Completion> completion();
}
