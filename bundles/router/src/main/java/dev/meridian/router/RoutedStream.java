package dev.meridian.router;

import java.time.Duration;
import java.util.HashSet;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicBoolean;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.meridian.api.ChatRequest;
import dev.meridian.api.Completion;
import dev.meridian.api.ContentLabel;
import dev.meridian.api.ErrorKind;
import dev.meridian.api.FinishReason;
import dev.meridian.api.ModelException;
import dev.meridian.api.Provenance;
import dev.meridian.api.StreamHandle;
import dev.meridian.api.StreamListener;

/**
 * One routed request: asks the router before each attempt which provider the policy in force now admits, until one
 * serves it. A provider that fails before its first token with an error that is safe to retry elsewhere is skipped
 * for the next; once a token went out, the stream stays with that provider and its error surfaces with provenance.
 * A region, policy, trust or consent change applies to the next attempt of a request already running.
 */
final class RoutedStream implements StreamHandle {
    private static final Logger LOG = LoggerFactory.getLogger(RoutedStream.class);

    /** Bounds the ladder even if providers keep re-registering under new service ids. */
    static final int MAX_ATTEMPTS = 16;

    private final Attempts attempts;
    private final ChatRequest request;
    private final StreamListener listener;
    private final long startNanos = System.nanoTime();
    private final CompletableFuture<Completion> completion = new CompletableFuture<>();
    private final AtomicBoolean finished = new AtomicBoolean();
    private final Set<Long> tried = new HashSet<>(); // guarded by this; service ids only, so no provider stays reachable

    private int priorAttempts;
    private ModelException lastError;
    private volatile Attempt current;
    private volatile boolean cancelled;

    RoutedStream(Attempts attempts, ChatRequest request, StreamListener listener) {
        this.attempts = attempts;
        this.request = request;
        this.listener = listener;
    }

    /** Starts the next provider admitted now, or ends the stream when none is. */
    void tryNext() {
        Attempts.Admission admission = null;
        if (!cancelled) {
            synchronized (this) {
                if (tried.size() < MAX_ATTEMPTS) {
                    admission = attempts.next(request, tried);
                    if (admission != null) {
                        tried.add(admission.entry().serviceId());
                    }
                }
            }
        }
        if (admission == null) {
            // the only provider that could serve may be between two bundle revisions: wait for the next, bounded
            if (cancelled || !attempts.awaitSwap(request, this)) {
                endWithoutProvider();
            }
            return;
        }
        ProviderEntry entry = admission.entry();
        Attempt attempt = new Attempt(admission);
        current = attempt;
        attempts.counters(entry.id()).started();
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
    }

    boolean finished() {
        return finished.get();
    }

    private void endWithoutProvider() {
        FinishReason reason;
        ModelException error;
        if (cancelled) {
            reason = FinishReason.CANCELLED;
            error = new ModelException(ErrorKind.CANCELLED, "cancelled by the caller");
        } else {
            reason = FinishReason.ERROR;
            error = lastError != null ? lastError : attempts.noneEligible(request);
        }
        Provenance last = error.provenance().orElse(Provenance.none(request.model()));
        // a provider's last error keeps the region it was admitted under; otherwise the region in force now
        Provenance provenance = last.withRegion(last.region() != null ? last.region() : attempts.region())
                .withAttempts(priorAttempts)
                .withLatency(Duration.ofNanos(System.nanoTime() - startNanos), null);
        finish(new Completion(reason, null, provenance, error.withProvenance(provenance)), null);
    }

    /** Ends the stream once, labelled: under the policy that admitted the provider, or with no explicit text. */
    private void finish(Completion end, String explicitLabel) {
        if (!finished.compareAndSet(false, true)) {
            return;
        }
        current = null;
        Completion labelled = end.withLabel(
                ContentLabel.of(UUID.randomUUID().toString(), end.provenance(), explicitLabel));
        try {
            listener.onComplete(labelled);
        } finally {
            completion.complete(labelled);
        }
    }

    @Override
    public void cancel() {
        cancelled = true;
        Attempt attempt = current;
        if (attempt != null && attempt.handle != null) {
            attempt.handle.cancel();
        } else if (attempt == null) {
            endWithoutProvider();
        }
    }

    @Override
    public CompletionStage<Completion> completion() {
        return completion.minimalCompletionStage();
    }

    /** The listener given to one provider; passes its events on while it is the current attempt. */
    private final class Attempt implements StreamListener {
        private final Attempts.Admission admission;
        private volatile StreamHandle handle;
        private volatile boolean started;
        private volatile boolean ended;
        private volatile String model; // as the provider names it before its first delta

        Attempt(Attempts.Admission admission) {
            this.admission = admission;
        }

        @Override
        public void onServing(Provenance serving) {
            model = serving.model();
        }

        @Override
        public void onText(String delta) {
            if (!ended) {
                start();
                listener.onText(delta);
            }
        }

        @Override
        public void onReasoning(String delta) {
            if (!ended) {
                start();
                listener.onReasoning(delta);
            }
        }

        /** The first delta settles who answers: no fallback after it. */
        private void start() {
            if (!started) {
                started = true;
                ProviderEntry entry = admission.entry();
                listener.onServing(new Provenance(entry.id(), model != null ? model : request.model(),
                        admission.region(), entry.scope(),
                        priorAttempts + 1, null, null, null, admission.consent()));
            }
        }

        @Override
        public void onComplete(Completion end) {
            if (ended) {
                return; // a misbehaving provider completed twice
            }
            ended = true;
            String id = admission.entry().id();
            attempts.counters(id).ended(end);
            ModelException error = end.error();
            int total = priorAttempts + Math.max(1, end.provenance().attempts());
            if (error != null && !started && !cancelled && error.retrySafeElsewhere()) {
                LOG.info("provider {} failed before its first token ({}); trying the next eligible provider", id,
                        error.toString());
                priorAttempts = total;
                lastError = error.withProvenance(end.provenance().withProvider(id, admission.entry().scope())
                        .withRegion(admission.region()));
                tryNext();
                return;
            }
            // the router names who served and where from what it admitted, not from what the provider says
            Provenance provenance = end.provenance().withProvider(id, admission.entry().scope())
                    .withRegion(admission.region()).withAttempts(total)
                    .withConsent(admission.consent())
                    .withLatency(Duration.ofNanos(System.nanoTime() - startNanos),
                            end.provenance().timeToFirstToken());
            finish(new Completion(end.finishReason(), end.usage(), provenance,
                    error == null ? null : error.withProvenance(provenance)), admission.label());
        }
    }
}
