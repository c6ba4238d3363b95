package dev.meridian.cloud;

import org.osgi.annotation.versioning.ConsumerType;

import dev.meridian.api.FinishReason;
import dev.meridian.api.ModelException;
import dev.meridian.api.Usage;
import dev.meridian.api.provider.ProviderStream;

/** Decodes the events of one streamed answer, delivering its deltas. One per exchange; not thread-safe. */
@ConsumerType
public interface StreamDecoder {

    /**
     * Decodes one event and delivers its deltas to {@code stream}.
     *
     * @return {@code true} when this event ended the answer
     * @throws ModelException for an error sent inside the stream, or an event that breaks the format
     */
    boolean onEvent(SseEvent event, ProviderStream stream) throws ModelException;

    /**
     * The body ended. Returns normally when the answer is complete without a terminator (formats that have none);
     * throws when the stream was cut short.
     */
    void onEndOfBody() throws ModelException;

    FinishReason finishReason();

    Usage usage();

    /** The model the server says answered, or {@code null}. */
    String model();
}
