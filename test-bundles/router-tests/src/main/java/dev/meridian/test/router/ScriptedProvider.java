package dev.meridian.test.router;

import java.util.Dictionary;
import java.util.Hashtable;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

import org.osgi.framework.BundleContext;
import org.osgi.framework.ServiceRegistration;

import dev.meridian.api.Availability;
import dev.meridian.api.ChatRequest;
import dev.meridian.api.ErrorKind;
import dev.meridian.api.FinishReason;
import dev.meridian.api.ModelException;
import dev.meridian.api.ModelProvider;
import dev.meridian.api.ProviderProperties;
import dev.meridian.api.StreamHandle;
import dev.meridian.api.StreamListener;
import dev.meridian.api.Usage;
import dev.meridian.api.provider.ProviderStream;

/**
 * A test double registered through the test's bundle context (so it vanishes after the test): streams the given
 * pieces, optionally failing with {@code failure} after {@code failAfter} pieces, one piece every {@code delayMs}.
 */
final class ScriptedProvider implements ModelProvider {
    final String id;
    final String scope;
    private final List<String> pieces;
    private final ErrorKind failure;
    private final int failAfter;
    private final long delayMs;
    final AtomicInteger calls = new AtomicInteger();
    volatile Availability availability = Availability.AVAILABLE;

    private ScriptedProvider(String id, String scope, List<String> pieces, ErrorKind failure, int failAfter,
            long delayMs) {
        this.id = id;
        this.scope = scope;
        this.pieces = pieces;
        this.failure = failure;
        this.failAfter = failAfter;
        this.delayMs = delayMs;
    }

    static ScriptedProvider answering(String id, String scope, String... pieces) {
        return new ScriptedProvider(id, scope, List.of(pieces), null, -1, 1);
    }

    static ScriptedProvider paced(String id, String scope, int tokens, long delayMs) {
        return new ScriptedProvider(id, scope, java.util.stream.IntStream.range(0, tokens)
                .mapToObj(i -> id + ":" + i + " ").toList(), null, -1, delayMs);
    }

    static ScriptedProvider failing(String id, String scope, ErrorKind failure, int afterPieces, String... pieces) {
        return new ScriptedProvider(id, scope, List.of(pieces), failure, afterPieces, 1);
    }

    ServiceRegistration<ModelProvider> register(BundleContext context) {
        Dictionary<String, Object> properties = new Hashtable<>();
        properties.put(ProviderProperties.ID, id);
        properties.put(ProviderProperties.SCOPE, scope);
        properties.put(ProviderProperties.MODELS, new String[] { id + "-model" });
        return context.registerService(ModelProvider.class, this, properties);
    }

    @Override
    public Availability availability() {
        return availability;
    }

    @Override
    public StreamHandle stream(ChatRequest request, StreamListener listener) {
        calls.incrementAndGet();
        ProviderStream stream = new ProviderStream(listener, id, scope, id + "-model");
        Thread.ofVirtual().start(() -> run(stream));
        return stream;
    }

    private void run(ProviderStream stream) {
        try {
            for (int i = 0; i < pieces.size(); i++) {
                if (failure != null && i == failAfter) {
                    break;
                }
                Thread.sleep(delayMs);
                if (!stream.text(pieces.get(i))) {
                    return;
                }
            }
            if (failure != null) {
                stream.fail(new ModelException(failure, id + " failed on purpose"), new Usage(1, 0, 0));
            } else {
                stream.complete(FinishReason.STOP, new Usage(1, pieces.size(), 0));
            }
        } catch (InterruptedException e) {
            stream.close("interrupted");
        }
    }
}
