package dev.meridian.conformance;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;

import dev.meridian.api.Completion;
import dev.meridian.api.Provenance;
import dev.meridian.api.StreamListener;

/**
 * A listener that watches the contract while it records: calls never overlap, nothing arrives after the
 * completion, the completion arrives exactly once. What it saw broken is in {@link #breaches()}.
 */
final class Recorder implements StreamListener {
    private final StringBuffer text = new StringBuffer();
    private final AtomicInteger inside = new AtomicInteger();
    private final AtomicInteger completions = new AtomicInteger();
    private final AtomicInteger deltas = new AtomicInteger();
    private final List<String> breaches = new CopyOnWriteArrayList<>();
    private final CompletableFuture<Completion> done = new CompletableFuture<>();
    private final CompletableFuture<String> first = new CompletableFuture<>();
    private volatile Provenance serving;

    @Override
    public void onText(String delta) {
        enter("onText");
        try {
            deltas.incrementAndGet();
            text.append(delta);
            first.complete(delta);
        } finally {
            inside.decrementAndGet();
        }
    }

    @Override
    public void onReasoning(String delta) {
        enter("onReasoning");
        inside.decrementAndGet();
    }

    @Override
    public void onServing(Provenance provenance) {
        enter("onServing");
        serving = provenance;
        inside.decrementAndGet();
    }

    @Override
    public void onComplete(Completion completion) {
        enter("onComplete");
        try {
            int count = completions.incrementAndGet();
            if (count > 1) {
                breaches.add("exactly one completion: onComplete was called " + count + " times");
            }
            done.complete(completion);
        } finally {
            inside.decrementAndGet();
        }
    }

    private void enter(String call) {
        if (inside.incrementAndGet() > 1) {
            breaches.add("serialized calls: " + call + " overlapped another listener call");
        }
        if (completions.get() > 0 && !call.equals("onComplete")) {
            breaches.add("nothing after the completion: " + call + " came after onComplete");
        }
    }

    /** The completion, waiting at most {@code limit}. @throws TimeoutException naming what did not come */
    Completion completion(Duration limit) throws Exception {
        try {
            return done.get(limit.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            throw new Violation("a completion", "no onComplete within " + limit.toMillis() + " ms");
        }
    }

    /** Waits for the first text delta. */
    String firstDelta(Duration limit) throws Exception {
        try {
            return first.get(limit.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            throw new Violation("a first token", "no text within " + limit.toMillis() + " ms");
        }
    }

    boolean completed() {
        return done.isDone();
    }

    String text() {
        return text.toString();
    }

    int deltas() {
        return deltas.get();
    }

    int completions() {
        return completions.get();
    }

    List<String> breaches() {
        return List.copyOf(breaches);
    }

    /** Throws the first breach of the listener contract seen so far. */
    void assertContract() {
        if (!breaches.isEmpty()) {
            throw new Violation("listener contract", breaches.get(0));
        }
    }
}
