package dev.meridian.api.provider;

import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

import dev.meridian.api.ErrorKind;
import dev.meridian.api.ModelException;
import dev.meridian.api.StreamListener;

/**
 * The streams a provider is serving, so that its {@code @Deactivate} can drain them: refuse new streams, let open
 * ones finish for a bounded time, then close what is left with {@code PROVIDER_CLOSED}. Thread-safe.
 */
public final class InFlightStreams {
    private final String providerId;
    private final String scope;
    private final Set<ProviderStream> open = ConcurrentHashMap.newKeySet();
    private volatile boolean closing;

    public InFlightStreams(String providerId, String scope) {
        this.providerId = providerId;
        this.scope = scope;
    }

    /**
     * Opens a stream for a new request. Once draining began, the returned stream is already failed with
     * {@link ErrorKind#PROVIDER_CLOSED} before any token (so a router may send the request elsewhere): check
     * {@link ProviderStream#isDone()} before starting work.
     */
    public ProviderStream open(StreamListener listener, String model) {
        ProviderStream stream = new ProviderStream(listener, providerId, scope, model);
        open.add(stream);
        stream.completion().whenComplete((c, e) -> open.remove(stream));
        if (closing) {
            stream.fail(new ModelException(ErrorKind.PROVIDER_CLOSED, "provider " + providerId + " is closing"), null);
        }
        return stream;
    }

    /** How many streams are open now. */
    public int size() {
        return open.size();
    }

    /**
     * Refuses new streams, waits up to {@code grace} for the open ones to finish, then closes the rest.
     *
     * @return how many streams had to be closed
     */
    public int drain(Duration grace) {
        closing = true;
        long deadline = System.nanoTime() + grace.toNanos();
        while (!open.isEmpty() && System.nanoTime() < deadline) {
            try {
                Thread.sleep(5);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        int closed = 0;
        for (ProviderStream stream : Set.copyOf(open)) {
            stream.close("provider " + providerId + " stopped before the answer was complete");
            closed++;
        }
        return closed;
    }
}
