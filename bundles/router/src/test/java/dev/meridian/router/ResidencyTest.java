package dev.meridian.router;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;

import org.junit.jupiter.api.Test;

import dev.meridian.api.ChatRequest;
import dev.meridian.api.ChatResponse;
import dev.meridian.api.Completion;
import dev.meridian.api.Consent;
import dev.meridian.api.ErrorKind;
import dev.meridian.api.FinishReason;
import dev.meridian.api.ModelException;
import dev.meridian.api.StreamListener;
import dev.meridian.api.routing.ProviderStatus;
import dev.meridian.api.routing.RegionPolicy;
import dev.meridian.api.routing.RegionSetting;
import dev.meridian.api.routing.RegionSetting.Source;

/** The residency guarantee under changes while requests run, damaged regions, trust, consent and labels. */
class ResidencyTest {
    private static final RegionPolicy CN = new RegionPolicy("CN", List.of("cn-mainland", "device"),
            List.of("qwen", "local"), List.of(), "本内容由人工智能生成");
    private static final RegionPolicy GLOBAL = new RegionPolicy("GLOBAL", List.of("global", "device"),
            List.of("openai", "openai-2", "local"));

    private static Router router(String region, RegionPolicy... policies) {
        Router router = new Router(RegionSetting.of(region, Source.CONFIGURATION));
        router.setTrust(RouterTest.OPEN);
        router.setPolicies(List.of(policies));
        return router;
    }

    private static void add(Router router, HeldProvider provider) {
        router.addProvider(RouterTest.entry(provider, provider.id, provider.scope, 0));
    }

    private static final class Recorder implements StreamListener {
        final StringBuilder text = new StringBuilder();
        final CompletableFuture<Completion> end = new CompletableFuture<>();

        @Override
        public void onText(String delta) {
            text.append(delta);
        }

        @Override
        public void onComplete(Completion completion) {
            end.complete(completion);
        }
    }

    /** Issue 8, defect 1: the fallback of a request begun under GLOBAL must not go to a global provider under CN. */
    @Test
    void fallbackAfterARegionSwitchIsAdmittedUnderTheNewRegion() {
        Router router = router("GLOBAL", CN, GLOBAL);
        HeldProvider openai = new HeldProvider("openai", "global");
        HeldProvider openai2 = new HeldProvider("openai-2", "global");
        add(router, openai);
        add(router, openai2);
        Recorder recorder = new Recorder();
        router.stream(ChatRequest.of("hi"), recorder);
        assertEquals(1, openai.attempts);

        router.setRegion(RegionSetting.of("CN", Source.CONFIGURATION)); // while openai waits for its first token
        openai.fail(ErrorKind.TIMEOUT, 0);

        assertEquals(0, openai2.attempts, "a global provider was tried while CN was in force");
        Completion end = recorder.end.join();
        assertEquals(ErrorKind.TIMEOUT, end.error().kind(), "the last provider's error surfaces");
        assertEquals("openai", end.provenance().providerId());
        assertEquals("GLOBAL", end.provenance().region(), "the region it was admitted under");
        assertEquals("CN", router.activeRegion());
    }

    @Test
    void fallbackAfterAPolicyChangeFollowsTheNewPolicy() {
        Router router = router("GLOBAL", GLOBAL);
        HeldProvider openai = new HeldProvider("openai", "global");
        HeldProvider openai2 = new HeldProvider("openai-2", "global");
        HeldProvider local = new HeldProvider("local", "device");
        add(router, openai);
        add(router, openai2);
        add(router, local);
        Recorder recorder = new Recorder();
        router.stream(ChatRequest.of("hi"), recorder);

        router.setPolicies(List.of(new RegionPolicy("GLOBAL", List.of("device"), List.of())));
        openai.fail(ErrorKind.RATE_LIMITED, 0);

        assertEquals(0, openai2.attempts);
        assertEquals(1, local.attempts);
        local.answer("on the device");
        assertEquals("local", recorder.end.join().provenance().providerId());
    }

    /** Issue 8, defect 2: a stored region that cannot be read does not fall through to --region or the default. */
    @Test
    void unreadableStoredRegionBlocksEverythingAtStart() {
        RegionSetting setting = RegionResolver.resolve(new String[] { "CN" }, "GLOBAL", "GLOBAL", "GLOBAL");
        assertTrue(setting.isInvalid(), setting.toString());
        assertTrue(setting.problem().contains("meridian.region"), setting.problem());

        Router router = new Router(setting);
        router.setTrust(RouterTest.OPEN);
        router.setPolicies(List.of(CN, GLOBAL));
        HeldProvider openai = new HeldProvider("openai", "global");
        HeldProvider local = new HeldProvider("local", "device");
        add(router, openai);
        add(router, local);
        ModelException e = assertThrows(ModelException.class, () -> router.call(ChatRequest.of("hi")));
        assertEquals(ModelException.REGION_BLOCKED, e.reason());
        assertTrue(e.getMessage().contains("cannot be read"), e.getMessage());
        assertEquals(0, openai.attempts + local.attempts);
        assertFalse(router.availability().isAvailable());
        assertTrue(router.providers().stream().noneMatch(ProviderStatus::allowed));

        router.setRegion(RegionSetting.of("CN", Source.CONFIGURATION)); // a valid one is set: serves again
        router.stream(ChatRequest.of("hi"), new Recorder());
        assertEquals(1, local.attempts);
        assertEquals(0, openai.attempts);
    }

    @Test
    void regionSourcesInOrderAndMalformedOnesFailClosed() {
        assertEquals(RegionSetting.of("CN", Source.CONFIGURATION), RegionResolver.resolve(" cn ", "EU", "INTL", "G"));
        assertEquals(RegionSetting.of("EU", Source.COMMAND_LINE), RegionResolver.resolve(null, "eu", "INTL", "G"));
        assertEquals(RegionSetting.of("INTL", Source.ENVIRONMENT), RegionResolver.resolve(null, " ", "intl", "G"));
        assertEquals(RegionSetting.of("G", Source.DEFAULT), RegionResolver.resolve(null, null, null, "G"));
        for (Object damaged : new Object[] { "", "C N", "CN;rm", 42, List.of("CN"), "X".repeat(40) }) {
            assertTrue(RegionResolver.resolve(damaged, "GLOBAL", "GLOBAL", "GLOBAL").isInvalid(), "" + damaged);
        }
        assertTrue(RegionResolver.resolve(null, "C N", "GLOBAL", "GLOBAL").isInvalid());
        assertTrue(RegionResolver.resolve(null, null, "!", "GLOBAL").isInvalid());
    }

    @Test
    void highestRankedPolicyOfARegionWinsAndTheNextTakesOverWhenItLeaves() throws Exception {
        Router router = new Router(RegionSetting.of("CN", Source.CONFIGURATION));
        router.setTrust(RouterTest.OPEN);
        HeldProvider qwen = new HeldProvider("qwen", "cn-mainland");
        HeldProvider local = new HeldProvider("local", "device");
        add(router, qwen);
        add(router, local);
        router.putPolicy(1, 0, CN);
        router.putPolicy(2, 10, new RegionPolicy("CN", List.of("device"), List.of()));
        assertEquals(List.of("device"), router.activePolicy().orElseThrow().scopes());
        router.removePolicy(2);
        assertEquals(CN, router.activePolicy().orElseThrow());
        router.putPolicy(3, -5, new RegionPolicy("CN", List.of("device"), List.of()));
        assertEquals(CN, router.activePolicy().orElseThrow());
    }

    @Test
    void consentRequiredScopeIsSkippedUntilGrantedAndNamedInProvenance() {
        RegionPolicy global = new RegionPolicy("GLOBAL", List.of("global", "device"), List.of("openai", "local"),
                List.of("global"), null);
        Router router = router("GLOBAL", global);
        HeldProvider openai = new HeldProvider("openai", "global");
        HeldProvider local = new HeldProvider("local", "device");
        add(router, openai);
        add(router, local);

        Recorder first = new Recorder();
        router.stream(ChatRequest.of("hi"), first);
        assertEquals(0, openai.attempts);
        local.answer("device");
        assertNull(first.end.join().provenance().consent());
        assertEquals(ModelException.CONSENT_REQUIRED, router.providers().stream()
                .filter(p -> p.id().equals("openai")).findFirst().orElseThrow().refusal());

        Consent consent = new Consent("global", Instant.parse("2026-12-01T10:00:00Z"));
        router.setConsents(Map.of("global", consent));
        Recorder second = new Recorder();
        router.stream(ChatRequest.of("hi"), second);
        openai.answer("cloud");
        assertEquals(consent, second.end.join().provenance().consent());

        router.setConsents(Map.of());
        ModelException e = assertThrows(ModelException.class,
                () -> router.call(ChatRequest.of("hi").withProvider("openai")));
        assertEquals(ModelException.CONSENT_REQUIRED, e.reason());
    }

    @Test
    void everyCompletionIsLabelledAndTheRegionsExplicitTextTravelsWithTheAnswer() throws Exception {
        Router router = router("CN", CN, GLOBAL);
        HeldProvider qwen = new HeldProvider("qwen", "cn-mainland");
        add(router, qwen);
        Recorder recorder = new Recorder();
        router.stream(ChatRequest.of("hi"), recorder);
        qwen.answer("你好");
        Completion end = recorder.end.join();
        assertNotNull(end.label());
        assertTrue(end.label().aiGenerated());
        assertEquals("本内容由人工智能生成", end.label().explicitText());
        assertEquals("qwen", end.label().providerId());
        assertEquals("qwen-model", end.label().model());
        assertEquals("CN", end.label().region());

        Recorder other = new Recorder();
        router.stream(ChatRequest.of("hi"), other);
        qwen.answer("again");
        assertFalse(end.label().contentId().equals(other.end.join().label().contentId()), "content ids repeat");

        router.setRegion(RegionSetting.of("GLOBAL", Source.CONFIGURATION));
        Completion failed = router.stream(ChatRequest.of("hi"), new Recorder()).completion().toCompletableFuture()
                .join();
        assertEquals(FinishReason.ERROR, failed.finishReason());
        assertNotNull(failed.label(), "failed completions are labelled too");
        assertNull(failed.label().explicitText());

        ChatResponse response = callAnswered(router("CN", CN), "qwen", "cn-mainland");
        assertEquals("本内容由人工智能生成", response.label().explicitText());
    }

    private static ChatResponse callAnswered(Router router, String id, String scope) throws ModelException {
        router.addProvider(RouterTest.entry(new RouterTest.Answering(id, scope, null), id, scope, 0));
        return router.call(ChatRequest.of("hi"));
    }

    @Test
    void theRouterNamesWhoServedAndWhereNotTheProvider() throws Exception {
        Router router = router("CN", CN);
        // registered as cn-mainland, but reports "global" and another id in its own provenance
        router.addProvider(RouterTest.entry(new RouterTest.Answering("liar", "global", null), "qwen", "cn-mainland",
                0));
        ChatResponse response = router.call(ChatRequest.of("hi"));
        assertEquals("qwen", response.provenance().providerId());
        assertEquals("cn-mainland", response.provenance().scope());
    }

    @Test
    void onlyBundlesSignedForTheirScopeServe() throws Exception {
        String cnSigner = "c".repeat(64);
        String globalSigner = "a".repeat(64);
        Router router = new Router(RegionSetting.of("CN", Source.CONFIGURATION));
        router.setPolicies(List.of(CN));
        router.setTrust(TrustPolicy.of(Map.of("cn-mainland", Set.of(cnSigner), "global", Set.of(globalSigner)),
                Set.of()));
        RouterTest.Answering unsigned = new RouterTest.Answering("qwen", "cn-mainland", null);
        RouterTest.Answering wrongSigner = new RouterTest.Answering("qwen", "cn-mainland", null);
        RouterTest.Answering tampered = new RouterTest.Answering("qwen", "cn-mainland", null);
        router.addProvider(new ProviderEntry(unsigned, "qwen", "cn-mainland", List.of(), 100, 1, "evil 1.0",
                BundleSignature.UNSIGNED));
        router.addProvider(new ProviderEntry(wrongSigner, "qwen", "cn-mainland", List.of(), 100, 2, "evil 2.0",
                BundleSignature.signedBy(Set.of(globalSigner))));
        router.addProvider(new ProviderEntry(tampered, "qwen", "cn-mainland", List.of(), 100, 3, "evil 3.0",
                BundleSignature.broken("entries not covered by the signature: x.class")));
        ModelException e = assertThrows(ModelException.class, () -> router.call(ChatRequest.of("hi")));
        assertEquals(ModelException.REGION_BLOCKED, e.reason());
        assertEquals(0, unsigned.calls.get() + wrongSigner.calls.get() + tampered.calls.get());
        List<ProviderStatus> statuses = router.providers();
        assertTrue(statuses.stream().allMatch(p -> p.trust().startsWith("untrusted (")), statuses.toString());
        assertTrue(statuses.get(1).trust().contains("not allowed for scope cn-mainland"), statuses.toString());

        RouterTest.Answering genuine = new RouterTest.Answering("qwen", "cn-mainland", null);
        router.addProvider(new ProviderEntry(genuine, "qwen", "cn-mainland", List.of(), 0, 4, "oem 1.0",
                BundleSignature.signedBy(Set.of(cnSigner))));
        assertEquals("qwen", router.call(ChatRequest.of("hi")).text());
        assertEquals(1, genuine.calls.get());

        router.setTrust(TrustPolicy.unreadable("trust configuration meridian.trust refused: bad"));
        assertThrows(ModelException.class, () -> router.call(ChatRequest.of("hi")));
        assertEquals(1, genuine.calls.get());
    }

    @Test
    void unsignedBundlesServeOnlyScopesOpenedForDevelopment() {
        TrustPolicy trust = TrustPolicy.of(Map.of(), Set.of("device"));
        assertTrue(trust.decide("device", BundleSignature.UNSIGNED).trusted());
        assertFalse(trust.decide("cn-mainland", BundleSignature.UNSIGNED).trusted());
        assertFalse(TrustPolicy.NONE.decide("device", BundleSignature.UNSIGNED).trusted());
        assertFalse(TrustPolicy.NONE.decide("device", BundleSignature.signedBy(Set.of("a".repeat(64)))).trusted());
    }

    @Test
    void aRequestWaitsForTheNextRevisionOfTheOnlyProviderAndFailsAfterTheWait() throws Exception {
        Router router = new Router(RegionSetting.of("CN", Source.CONFIGURATION), java.time.Duration.ofMillis(300));
        try {
            router.setTrust(RouterTest.OPEN);
            router.setPolicies(List.of(CN));
            HeldProvider first = new HeldProvider("local", "device");
            ProviderEntry old = RouterTest.entry(first, "local", "device", 0);
            router.addProvider(old);
            router.removeProvider(old.serviceId()); // a bundle update: the old revision leaves first

            Recorder waiting = new Recorder();
            router.stream(ChatRequest.of("hi"), waiting);
            assertFalse(waiting.end.isDone(), "failed at once although the provider is being updated");
            HeldProvider next = new HeldProvider("local", "device");
            router.addProvider(RouterTest.entry(next, "local", "device", 0));
            assertEquals(1, next.attempts, "the new revision got the waiting request");
            next.answer("from the new revision");
            assertEquals("from the new revision", waiting.text.toString());

            router.removeProvider(router.providers().get(0).serviceId());
            Recorder abandoned = new Recorder();
            long start = System.nanoTime();
            router.stream(ChatRequest.of("hi"), abandoned);
            Completion end = abandoned.end.get(5, java.util.concurrent.TimeUnit.SECONDS);
            assertEquals(ModelException.REGION_BLOCKED, end.error().reason());
            assertTrue(System.nanoTime() - start >= 250_000_000L, "did not wait for the swap");
        } finally {
            router.close();
        }
    }

    @Test
    void aRegionWithoutADepartingProviderFailsAtOnceAndACancelEndsTheWait() throws Exception {
        Router router = new Router(RegionSetting.of("CN", Source.CONFIGURATION), java.time.Duration.ofSeconds(30));
        try {
            router.setTrust(RouterTest.OPEN);
            router.setPolicies(List.of(CN));
            Recorder blocked = new Recorder();
            router.stream(ChatRequest.of("hi"), blocked);
            assertTrue(blocked.end.isDone(), "waited although nothing was being swapped");

            ProviderEntry qwen = RouterTest.entry(new HeldProvider("qwen", "cn-mainland"), "qwen", "cn-mainland", 0);
            router.addProvider(qwen);
            router.removeProvider(qwen.serviceId());
            Recorder waiting = new Recorder();
            var handle = router.stream(ChatRequest.of("hi"), waiting);
            assertFalse(waiting.end.isDone());
            handle.cancel();
            assertEquals(FinishReason.CANCELLED, waiting.end.get(1, java.util.concurrent.TimeUnit.SECONDS)
                    .finishReason());
        } finally {
            router.close();
        }
    }
}
