package dev.meridian.router;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicBoolean;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.meridian.api.ChatRequest;
import dev.meridian.api.Completion;
import dev.meridian.api.ErrorKind;
import dev.meridian.api.FinishReason;
import dev.meridian.api.ModelException;
import dev.meridian.api.Provenance;
import dev.meridian.api.StreamHandle;
import dev.meridian.api.StreamListener;

/**
 * One routed request: tries the eligible providers in order until one serves it. A provider that fails before its
 * first token with an error that is safe to retry elsewhere is skipped for the next; once a token went out, the
 * stream stays with that provider and its error surfaces with provenance.
 */
final class RoutedStream implements StreamHandle {
    private static final Logger LOG = LoggerFactory.getLogger(RoutedStream.class);

    private final Router router;
    private final ChatRequest request;
    private final StreamListener listener;
    private final String region;
    private final long startNanos = System.nanoTime();
    private final CompletableFuture<Completion> completion = new CompletableFuture<>();
    private final AtomicBoolean finished = new AtomicBoolean();

    private List<ProviderEntry> candidates; // released when finished, so no provider stays reachable from here
    private int next;
    private int priorAttempts;
    private ModelException lastError;
    private volatile Attempt current;
    private volatile boolean cancelled;

    RoutedStream(Router router, ChatRequest request, StreamListener listener, String region,
            List<ProviderEntry> candidates) {
        this.router = router;
        this.request = request;
        this.listener = listener;
        this.region = region;
        this.candidates = candidates;
    }

    /** Starts the next candidate that is available, or ends the stream when none is left. */
    void tryNext() {
        while (!cancelled) {
            ProviderEntry entry;
            synchronized (this) {
                if (candidates == null || next >= candidates.size()) {
                    break;
                }
                entry = candidates.get(next++);
            }
            if (!Router.isAvailable(entry)) {
                continue; // it went unavailable since the router chose the candidates
            }
            Attempt attempt = new Attempt(entry);
            current = attempt;
            router.counters(entry.id()).started();
            try {
                attempt.handle = entry.provider().stream(request, attempt);
            } catch (RuntimeException e) {
                LOG.warn("provider {} threw from stream(); trying the next eligible provider", entry.id(), e);
                attempt.onComplete(new Completion(FinishReason.ERROR, null,
                        new Provenance(entry.id(), null, null, entry.scope(), 1, null, null, null),
                        new ModelException(ErrorKind.UNAVAILABLE, "provider-error",
                                "provider " + entry.id() + " failed: " + e, null, null, e)));
                return;
            }
            if (cancelled) {
                attempt.handle.cancel();
            }
            return;
        }
        if (cancelled) {
            finish(endWithoutProvider(FinishReason.CANCELLED,
                    new ModelException(ErrorKind.CANCELLED, "cancelled by the caller")));
        } else if (lastError != null) {
            finish(endWithoutProvider(FinishReason.ERROR, lastError));
        } else {
            finish(endWithoutProvider(FinishReason.ERROR, router.regionBlocked(request, region)));
        }
    }

    private Completion endWithoutProvider(FinishReason reason, ModelException error) {
        Provenance provenance = error.provenance()
                .orElse(new Provenance(null, request.model(), null, null, 0, null, null, null))
                .withRegion(region).withAttempts(priorAttempts)
                .withLatency(Duration.ofNanos(System.nanoTime() - startNanos), null);
        return new Completion(reason, null, provenance, error.withProvenance(provenance));
    }

    private void finish(Completion end) {
        if (!finished.compareAndSet(false, true)) {
            return;
        }
        synchronized (this) {
            candidates = null;
        }
        current = null;
        try {
            listener.onComplete(end);
        } finally {
            completion.complete(end);
        }
    }

    @Override
    public void cancel() {
        cancelled = true;
        Attempt attempt = current;
        if (attempt != null && attempt.handle != null) {
            attempt.handle.cancel();
        } else if (attempt == null) {
            finish(endWithoutProvider(FinishReason.CANCELLED,
                    new ModelException(ErrorKind.CANCELLED, "cancelled by the caller")));
        }
    }

    @Override
    public CompletionStage<Completion> completion() {
        return completion.minimalCompletionStage();
    }

    /** The listener given to one provider; passes its events on while it is the current attempt. */
    private final class Attempt implements StreamListener {
        private final ProviderEntry entry;
        private volatile StreamHandle handle;
        private volatile boolean started;
        private volatile boolean ended;

        Attempt(ProviderEntry entry) {
            this.entry = entry;
        }

        @Override
        public void onText(String delta) {
            if (!ended) {
                started = true;
                listener.onText(delta);
            }
        }

        @Override
        public void onReasoning(String delta) {
            if (!ended) {
                started = true;
                listener.onReasoning(delta);
            }
        }

        @Override
        public void onComplete(Completion end) {
            if (ended) {
                return; // a misbehaving provider completed twice
            }
            ended = true;
            router.counters(entry.id()).ended(end);
            ModelException error = end.error();
            int attempts = priorAttempts + Math.max(1, end.provenance().attempts());
            if (error != null && !started && !cancelled && error.retrySafeElsewhere()) {
                LOG.info("provider {} failed before its first token ({}); trying the next eligible provider",
                        entry.id(), error.toString());
                priorAttempts = attempts;
                lastError = error.withProvenance(end.provenance());
                tryNext();
                return;
            }
            Provenance provenance = end.provenance().withRegion(region).withAttempts(attempts)
                    .withLatency(Duration.ofNanos(System.nanoTime() - startNanos),
                            end.provenance().timeToFirstToken());
            finish(new Completion(end.finishReason(), end.usage(), provenance,
                    error == null ? null : error.withProvenance(provenance)));
        }
    }
}
