package dev.meridian.router;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.Test;

import dev.meridian.api.Availability;
import dev.meridian.api.ChatRequest;
import dev.meridian.api.ChatResponse;
import dev.meridian.api.ErrorKind;
import dev.meridian.api.FinishReason;
import dev.meridian.api.ModelException;
import dev.meridian.api.ModelProvider;
import dev.meridian.api.StreamHandle;
import dev.meridian.api.StreamListener;
import dev.meridian.api.Usage;
import dev.meridian.api.provider.ProviderStream;
import dev.meridian.api.routing.RegionPolicy;

class RouterTest {
    private static final RegionPolicy CN = new RegionPolicy("CN", List.of("cn-mainland", "device"),
            List.of("qwen", "local"));
    private static final RegionPolicy GLOBAL = new RegionPolicy("GLOBAL", List.of("global", "device"), List.of());

    /** Answers synchronously on the caller's thread, or fails before its first token. */
    static final class Answering implements ModelProvider {
        final String id;
        final String scope;
        final ErrorKind failure;
        final AtomicInteger calls = new AtomicInteger();
        Availability availability = Availability.AVAILABLE;

        Answering(String id, String scope, ErrorKind failure) {
            this.id = id;
            this.scope = scope;
            this.failure = failure;
        }

        @Override
        public Availability availability() {
            return availability;
        }

        @Override
        public StreamHandle stream(ChatRequest request, StreamListener listener) {
            calls.incrementAndGet();
            ProviderStream stream = new ProviderStream(listener, id, scope, id + "-model");
            if (failure != null) {
                stream.fail(new ModelException(failure, id + " failed"), null);
            } else {
                stream.text(id);
                stream.complete(FinishReason.STOP, new Usage(1, 1, 0));
            }
            return stream;
        }
    }

    private static long ids;

    /** Every scope these tests use, open to their unsigned providers (trust has tests of its own). */
    static final TrustPolicy OPEN = TrustPolicy.of(Map.of(),
            Set.of("device", "cn-mainland", "global", "eu", "intl"));

    static ProviderEntry entry(ModelProvider provider, String id, String scope, int ranking) {
        return new ProviderEntry(provider, id, scope, List.of(), ranking, ++ids, "test 1.0", BundleSignature.UNSIGNED);
    }

    private static ProviderEntry entry(Answering provider, int ranking) {
        return entry(provider, provider.id, provider.scope, ranking);
    }

    private static Router router(String region, Answering... providers) {
        Router router = new Router(region);
        router.setTrust(OPEN);
        router.setPolicies(List.of(CN, GLOBAL));
        for (Answering provider : providers) {
            router.addProvider(entry(provider, 0));
        }
        return router;
    }

    @Test
    void ordersByPreferenceThenRankingThenServiceId() {
        Router router = new Router("CN");
        router.setTrust(OPEN);
        router.setPolicies(List.of(CN));
        Answering a = new Answering("a", "device", null);
        Answering b = new Answering("b", "device", null);
        Answering local = new Answering("local", "device", null);
        Answering qwen = new Answering("qwen", "cn-mainland", null);
        router.addProvider(entry(a, 0));
        router.addProvider(entry(b, 5));
        router.addProvider(entry(local, -10));
        router.addProvider(entry(qwen, -10));
        assertEquals(List.of("qwen", "local", "b", "a"),
                router.providers().stream().map(p -> p.id()).toList());
    }

    @Test
    void failsClosedWithNoProviderAtAll() {
        Router router = router("CN");
        ModelException e = assertThrows(ModelException.class, () -> router.call(ChatRequest.of("hi")));
        assertEquals(ErrorKind.UNAVAILABLE, e.kind());
        assertEquals(ModelException.REGION_BLOCKED, e.reason());
        assertTrue(e.getMessage().contains("no provider is registered"), e.getMessage());
        assertEquals("CN", e.provenance().orElseThrow().region());
        assertEquals(Availability.State.REGION_BLOCKED, router.availability().state());
    }

    @Test
    void failsClosedRatherThanCrossingTheBoundary() {
        Answering gpt = new Answering("gpt", "global", null);
        Router router = router("CN", gpt);
        ModelException e = assertThrows(ModelException.class, () -> router.call(ChatRequest.of("hi")));
        assertEquals(ModelException.REGION_BLOCKED, e.reason());
        assertTrue(e.getMessage().contains("gpt: scope global not allowed"), e.getMessage());
        assertEquals(0, gpt.calls.get());
    }

    @Test
    void unknownRegionFailsClosed() {
        Router router = router("MARS", new Answering("local", "device", null));
        ModelException e = assertThrows(ModelException.class, () -> router.call(ChatRequest.of("hi")));
        assertTrue(e.getMessage().contains("no policy names region MARS"), e.getMessage());
    }

    @Test
    void fallsBackOnRetrySafeErrorsAndCountsAttempts() throws Exception {
        Answering qwen = new Answering("qwen", "cn-mainland", ErrorKind.QUOTA_EXHAUSTED);
        Answering local = new Answering("local", "device", null);
        Router router = router("CN", qwen, local);
        ChatResponse response = router.call(ChatRequest.of("hi"));
        assertEquals("local", response.text());
        assertEquals(2, response.provenance().attempts());
        assertEquals("CN", response.provenance().region());
        assertEquals(1, router.stats().get("qwen").errors().get("quota-exhausted"));
        assertEquals(1, router.stats().get("local").completed());
    }

    @Test
    void lastErrorSurfacesWhenEveryEligibleProviderFails() {
        Router router = router("CN", new Answering("qwen", "cn-mainland", ErrorKind.RATE_LIMITED),
                new Answering("local", "device", ErrorKind.UNAVAILABLE));
        ModelException e = assertThrows(ModelException.class, () -> router.call(ChatRequest.of("hi")));
        assertEquals(ErrorKind.UNAVAILABLE, e.kind());
        assertEquals("local", e.provenance().orElseThrow().providerId());
        assertEquals(2, e.provenance().orElseThrow().attempts());
    }

    @Test
    void skipsUnavailableAndThrowingProviders() throws Exception {
        Answering qwen = new Answering("qwen", "cn-mainland", null);
        qwen.availability = Availability.of(Availability.State.QUOTA_EXHAUSTED, "cool-down");
        ModelProvider throwing = new ModelProvider() {
            @Override
            public Availability availability() {
                return Availability.AVAILABLE;
            }

            @Override
            public StreamHandle stream(ChatRequest request, StreamListener listener) {
                throw new IllegalStateException("broken provider");
            }
        };
        Router router = router("CN", qwen);
        router.addProvider(entry(throwing, "broken", "device", 100));
        router.addProvider(entry(new Answering("local", "device", null), 0));
        ChatResponse response = router.call(ChatRequest.of("hi"));
        assertEquals("local", response.provenance().providerId());
        assertEquals(0, qwen.calls.get());
    }

    @Test
    void pinnedProviderAndModelNarrowTheCandidates() throws Exception {
        Router router = router("CN", new Answering("qwen", "cn-mainland", null),
                new Answering("local", "device", null));
        assertEquals("local", router.call(ChatRequest.of("hi").withProvider("local")).provenance().providerId());
        ModelException e = assertThrows(ModelException.class,
                () -> router.call(ChatRequest.of("hi").withProvider("nobody")));
        assertEquals(ModelException.REGION_BLOCKED, e.reason());
    }

    @Test
    void removedProviderGetsNoNewRequest() throws Exception {
        Answering qwen = new Answering("qwen", "cn-mainland", null);
        Router router = new Router("CN");
        router.setTrust(OPEN);
        router.setPolicies(List.of(CN));
        ProviderEntry entry = entry(qwen, 0);
        router.addProvider(entry);
        router.addProvider(entry(new Answering("local", "device", null), 0));
        router.removeProvider(entry.serviceId());
        assertEquals("local", router.call(ChatRequest.of("hi")).provenance().providerId());
        assertEquals(0, qwen.calls.get());
    }

    @Test
    void cancelBeforeAnyProviderStartedEndsCancelled() {
        Router router = router("CN");
        StreamHandle handle = router.stream(ChatRequest.of("hi"), new StreamListener() {
            @Override
            public void onText(String delta) {
            }

            @Override
            public void onComplete(dev.meridian.api.Completion completion) {
            }
        });
        handle.cancel(); // already failed closed: cancel is a no-op
        assertNull(null);
        assertEquals(FinishReason.ERROR, handle.completion().toCompletableFuture().join().finishReason());
    }
}
