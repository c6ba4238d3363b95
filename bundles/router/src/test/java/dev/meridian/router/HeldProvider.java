package dev.meridian.router;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

import dev.meridian.api.Availability;
import dev.meridian.api.ChatRequest;
import dev.meridian.api.ErrorKind;
import dev.meridian.api.FinishReason;
import dev.meridian.api.ModelException;
import dev.meridian.api.ModelProvider;
import dev.meridian.api.StreamHandle;
import dev.meridian.api.StreamListener;
import dev.meridian.api.Usage;
import dev.meridian.api.provider.ProviderStream;

/** A provider whose streams stay open until the test answers or fails them; it can watch every attempt start. */
final class HeldProvider implements ModelProvider {
    final String id;
    final String scope;
    final List<ProviderStream> open = new ArrayList<>();
    volatile Availability availability = Availability.AVAILABLE;
    /** Called as each attempt starts, before the stream exists: the moment the oracle checks. */
    Consumer<HeldProvider> onAttempt = p -> {
    };
    int attempts;

    HeldProvider(String id, String scope) {
        this.id = id;
        this.scope = scope;
    }

    @Override
    public Availability availability() {
        return availability;
    }

    @Override
    public synchronized StreamHandle stream(ChatRequest request, StreamListener listener) {
        attempts++;
        onAttempt.accept(this);
        ProviderStream stream = new ProviderStream(listener, id, scope, id + "-model");
        open.add(stream);
        return stream;
    }

    /** Ends the oldest open stream with a text and a stop. */
    synchronized void answer(String text) {
        ProviderStream stream = open.remove(0);
        stream.text(text);
        stream.complete(FinishReason.STOP, new Usage(1, 1, 0));
    }

    /** Fails the oldest open stream with {@code kind}, after {@code tokens} tokens. */
    synchronized void fail(ErrorKind kind, int tokens) {
        ProviderStream stream = open.remove(0);
        for (int i = 0; i < tokens; i++) {
            stream.text("t" + i);
        }
        stream.fail(new ModelException(kind, id + " failed"), null);
    }

    synchronized int openCount() {
        return open.size();
    }
}
