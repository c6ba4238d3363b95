package dev.meridian.api;

import org.osgi.annotation.versioning.ConsumerType;

/**
 * Receives one stream. Calls arrive on a provider's thread, one at a time and in order (never concurrently):
 * any number of deltas, then exactly one {@link #onComplete}. A listener must return quickly; it must not block
 * the provider's thread on slow work.
 */
@ConsumerType
public interface StreamListener {

    /**
     * Who answers: called once by the router, just before the first delta, when the provider that serves this
     * request is settled (no fallback happens after a first token). Names the provider, its scope and the region
     * it was admitted under; usage, latency and label come with the completion. Streams that fail before a first
     * token never see it.
     */
    default void onServing(Provenance serving) {
    }

    /** A piece of the answer's text. */
    void onText(String delta);

    /** A piece of the model's reasoning, for models that send it apart from the answer. */
    default void onReasoning(String delta) {
    }

    /** The end of the stream; called exactly once, last. */
    void onComplete(Completion completion);
}
