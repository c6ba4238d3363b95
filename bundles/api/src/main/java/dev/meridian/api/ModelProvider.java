package dev.meridian.api;

import org.osgi.annotation.versioning.ConsumerType;

/**
 * The one service interface of every model backend.
 *
 * <p>
 * <b>Registration.</b> A backend registers this service with {@link ProviderProperties} ({@code meridian.provider.id},
 * {@code meridian.provider.scope}, {@code meridian.provider.models}) and may set {@code service.ranking}. The router
 * registers one more instance with {@code meridian.routed=true} ({@link #ROUTED_FILTER}): that is the one
 * applications bind; it chooses a backend per request from the regional policy.
 *
 * <p>
 * <b>Threads.</b> Every method may be called from any thread, concurrently. {@link #stream} returns at once with a
 * handle; the work runs on the provider's own threads and reports to the listener (see {@link StreamListener}).
 *
 * <p>
 * <b>Errors.</b> A provider reports failures as a {@link Completion} with a {@link ModelException} of the one
 * taxonomy; {@code stream} itself only throws for a programming error (a {@code null} argument).
 *
 * <p>
 * <b>In-flight work on swap.</b> When a provider's bundle stops or is updated, its service is unregistered first, so
 * it gets no new requests; its deactivation then lets in-flight streams finish for a bounded time and ends those
 * still open with {@link FinishReason#PROVIDER_CLOSED}. A stream requested after it began to close completes at
 * once with {@link ErrorKind#PROVIDER_CLOSED} and no token, so the router can send it elsewhere.
 */
@ConsumerType
public interface ModelProvider {

    /** Service property set on the router's own, routed {@code ModelProvider}. */
    String ROUTED = "meridian.routed";

    /** Filter that selects the routed provider applications use. */
    String ROUTED_FILTER = "(" + ROUTED + "=true)";

    /** Whether this provider can serve now, and if not, why. Cheap; never blocks on the network. */
    Availability availability();

    /**
     * Starts a streaming request and returns at once, without waiting for the first token. The listener may already
     * be called, on the provider's thread, before this returns: a listener that cancels takes the handle through
     * something safe to share (a future), not a field the caller sets afterwards.
     *
     * @param request  the request
     * @param listener receives the deltas and exactly one completion
     * @return the handle to cancel the stream or await its completion
     */
    StreamHandle stream(ChatRequest request, StreamListener listener);

    /**
     * Blocking call: streams the request and returns the whole answer. Interrupting the calling thread cancels the
     * request.
     *
     * @throws ModelException if the stream ended with an error, carrying its provenance
     */
    default ChatResponse call(ChatRequest request) throws ModelException {
        ResponseCollector collector = new ResponseCollector();
        StreamHandle handle = stream(request, collector);
        try {
            return collector.await();
        } catch (InterruptedException e) {
            handle.cancel();
            Thread.currentThread().interrupt();
            throw new ModelException(ErrorKind.CANCELLED, "interrupted while waiting for the answer");
        }
    }
}
