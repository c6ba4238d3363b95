package dev.meridian.benchmarks;

import dev.meridian.api.Availability;
import dev.meridian.api.ChatRequest;
import dev.meridian.api.FinishReason;
import dev.meridian.api.ModelProvider;
import dev.meridian.api.StreamHandle;
import dev.meridian.api.StreamListener;
import dev.meridian.api.Usage;
import dev.meridian.api.provider.ProviderStream;

/** Answers at once on the caller's thread, so a benchmark measures only what sits around the provider. */
final class InMemoryProvider implements ModelProvider {
    private static final Usage USAGE = new Usage(3, 2, 0);
    private final String id;
    private final String scope;

    InMemoryProvider(String id, String scope) {
        this.id = id;
        this.scope = scope;
    }

    @Override
    public Availability availability() {
        return Availability.AVAILABLE;
    }

    @Override
    public StreamHandle stream(ChatRequest request, StreamListener listener) {
        ProviderStream stream = new ProviderStream(listener, id, scope, "in-memory");
        stream.text("Hello");
        stream.text(" world");
        stream.complete(FinishReason.STOP, USAGE);
        return stream;
    }
}
