package dev.meridian.api;

/** Why a stream ended. */
public enum FinishReason {
    /** The model finished its answer or hit a stop sequence. */
    STOP,
    /** The token limit of the request or the context window was reached. */
    LENGTH,
    /** The provider's content filter ended the answer. */
    CONTENT_FILTER,
    /** The caller cancelled. */
    CANCELLED,
    /** The provider went away (bundle stopped or updated) before the answer was complete. */
    PROVIDER_CLOSED,
    /** An error ended the stream; {@link Completion#error()} says which. */
    ERROR
}
