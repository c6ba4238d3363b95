package dev.meridian.api;

import java.util.concurrent.CountDownLatch;

/** Gathers a stream into one {@link ChatResponse} for {@link ModelProvider#call}. */
final class ResponseCollector implements StreamListener {
    private final StringBuilder text = new StringBuilder();
    private final StringBuilder reasoning = new StringBuilder();
    private final CountDownLatch done = new CountDownLatch(1);
    private volatile Completion completion;

    @Override
    public void onText(String delta) {
        text.append(delta);
    }

    @Override
    public void onReasoning(String delta) {
        reasoning.append(delta);
    }

    @Override
    public void onComplete(Completion value) {
        completion = value;
        done.countDown();
    }

    ChatResponse await() throws InterruptedException, ModelException {
        done.await();
        Completion end = completion;
        if (end.error() != null) {
            throw end.error().withProvenance(end.provenance());
        }
        // The latch orders the listener's appends before this read.
        return new ChatResponse(text.toString(), reasoning.toString(), end.finishReason(), end.usage(),
                end.provenance(), end.label());
    }
}
