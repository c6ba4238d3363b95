package dev.meridian.api.provider;

import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

import dev.meridian.api.Completion;
import dev.meridian.api.ErrorKind;
import dev.meridian.api.FinishReason;
import dev.meridian.api.ModelException;
import dev.meridian.api.Provenance;
import dev.meridian.api.StreamHandle;
import dev.meridian.api.StreamListener;
import dev.meridian.api.Usage;

/**
 * One stream as a provider serves it: the {@link StreamHandle} given to the caller and the guard around its
 * listener. It keeps the {@link StreamListener} contract whatever the provider's threads do: calls are serialized,
 * nothing is delivered after the completion, the completion happens once (the first of complete, fail, cancel and
 * close wins), and provenance carries the measured latency.
 *
 * <p>
 * The provider's worker checks {@link #isDone()} between tokens and stops when it turns true; a cancel action
 * (for example aborting an HTTP exchange) can be set with {@link #onCancel(Runnable)}.
 */
public final class ProviderStream implements StreamHandle {
    private final StreamListener listener;
    private final String providerId;
    private final String scope;
    private final long startNanos = System.nanoTime();
    private final CompletableFuture<Completion> completion = new CompletableFuture<>();
    private final Object lock = new Object();

    private volatile String model;
    private volatile int attempts = 1;
    private volatile Runnable cancelAction = () -> {
    };
    private long firstTokenNanos = -1; // guarded by lock
    private long deliveredChars; // guarded by lock
    private boolean done; // guarded by lock

    public ProviderStream(StreamListener listener, String providerId, String scope, String model) {
        this.listener = Objects.requireNonNull(listener, "listener");
        this.providerId = providerId;
        this.scope = scope;
        this.model = model;
    }

    /** Names the model that actually answers, when the provider learns it late (e.g. from the server). */
    public void model(String value) {
        if (value != null && !value.isEmpty()) {
            model = value;
        }
    }

    /** Records how many tries the provider made (its own retries included). */
    public void attempts(int value) {
        attempts = value;
    }

    /** Runs {@code action} once when the stream is cancelled or closed before it completes. */
    public void onCancel(Runnable action) {
        cancelAction = Objects.requireNonNull(action, "action");
        if (isDone()) {
            action.run();
        }
    }

    /** Delivers a text delta. @return {@code false} if the stream is already done and the worker should stop */
    public boolean text(String delta) {
        return deliver(delta, false);
    }

    /** Delivers a reasoning delta. @return {@code false} if the stream is already done */
    public boolean reasoning(String delta) {
        return deliver(delta, true);
    }

    private boolean deliver(String delta, boolean reasoning) {
        if (delta == null || delta.isEmpty()) {
            return !isDone();
        }
        synchronized (lock) {
            if (done) {
                return false;
            }
            if (firstTokenNanos < 0) {
                firstTokenNanos = System.nanoTime();
                // the model as known now (a server may name it later, in the completion)
                listener.onServing(new Provenance(providerId, model, null, scope, attempts, null, null, null));
            }
            deliveredChars += delta.length();
            if (reasoning) {
                listener.onReasoning(delta);
            } else {
                listener.onText(delta);
            }
            return true;
        }
    }

    /** How many characters of text and reasoning have been delivered: what a provider bounds an answer by. */
    public long deliveredChars() {
        synchronized (lock) {
            return deliveredChars;
        }
    }

    /** Whether any delta has been delivered. */
    public boolean started() {
        synchronized (lock) {
            return firstTokenNanos >= 0;
        }
    }

    /** Ends the stream normally. */
    public void complete(FinishReason reason, Usage usage) {
        finish(reason, usage, null);
    }

    /** Ends the stream with an error. */
    public void fail(ModelException error, Usage usage) {
        FinishReason reason = switch (error.kind()) {
            case CANCELLED -> FinishReason.CANCELLED;
            case PROVIDER_CLOSED -> FinishReason.PROVIDER_CLOSED;
            case CONTENT_FILTERED -> FinishReason.CONTENT_FILTER;
            default -> FinishReason.ERROR;
        };
        finish(reason, usage, error);
    }

    @Override
    public void cancel() {
        if (finish(FinishReason.CANCELLED, null,
                new ModelException(ErrorKind.CANCELLED, "cancelled by the caller"))) {
            cancelAction.run();
        }
    }

    /** Ends the stream because the provider is going away. */
    public void close(String why) {
        if (finish(FinishReason.PROVIDER_CLOSED, null, new ModelException(ErrorKind.PROVIDER_CLOSED, why))) {
            cancelAction.run();
        }
    }

    /** Whether the stream has completed (normally, failed, cancelled or closed). */
    public boolean isDone() {
        return completion.isDone();
    }

    @Override
    public CompletionStage<Completion> completion() {
        return completion.minimalCompletionStage();
    }

    private boolean finish(FinishReason reason, Usage usage, ModelException error) {
        Completion end;
        synchronized (lock) {
            if (done) {
                return false;
            }
            done = true;
            long now = System.nanoTime();
            Duration firstToken = firstTokenNanos < 0 ? null : Duration.ofNanos(firstTokenNanos - startNanos);
            Provenance provenance = new Provenance(providerId, model, null, scope, attempts,
                    Duration.ofNanos(now - startNanos), firstToken, usage);
            end = new Completion(reason, usage, provenance, error == null ? null : error.withProvenance(provenance));
            try {
                listener.onComplete(end);
            } catch (RuntimeException e) {
                // A failing listener must not break the provider's bookkeeping; the handle still completes.
                completion.completeExceptionally(e);
                return true;
            }
        }
        completion.complete(end);
        return true;
    }
}
