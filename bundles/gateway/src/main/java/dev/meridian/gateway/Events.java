package dev.meridian.gateway;

import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import dev.meridian.api.Completion;
import dev.meridian.api.Provenance;
import dev.meridian.api.StreamListener;

/**
 * A routed stream's events, handed from the provider's thread to the request's thread, which does all the
 * writing: a slow or vanished HTTP client never blocks a provider (the engine's generation thread, a cloud
 * reader), and a write that fails cancels the stream from the one thread that saw it fail.
 */
final class Events implements StreamListener {
    sealed interface Event permits Serving, Text, Reasoning, End {
    }

    record Serving(Provenance provenance) implements Event {
    }

    record Text(String delta) implements Event {
    }

    record Reasoning(String delta) implements Event {
    }

    record End(Completion completion) implements Event {
    }

    private final BlockingQueue<Event> queue = new LinkedBlockingQueue<>();

    @Override
    public void onServing(Provenance serving) {
        queue.add(new Serving(serving));
    }

    @Override
    public void onText(String delta) {
        queue.add(new Text(delta));
    }

    @Override
    public void onReasoning(String delta) {
        queue.add(new Reasoning(delta));
    }

    @Override
    public void onComplete(Completion completion) {
        queue.add(new End(completion));
    }

    /** The next event, or {@code null} when none came within {@code millis}. */
    Event next(long millis) throws InterruptedException {
        return queue.poll(millis, TimeUnit.MILLISECONDS);
    }
}
