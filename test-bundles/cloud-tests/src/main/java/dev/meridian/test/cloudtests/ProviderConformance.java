package dev.meridian.test.cloudtests;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.ServerSocket;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.osgi.framework.BundleContext;
import org.osgi.service.cm.ConfigurationAdmin;
import org.osgi.test.common.annotation.InjectBundleContext;
import org.osgi.test.common.annotation.InjectService;

import dev.meridian.api.Availability;
import dev.meridian.api.ChatRequest;
import dev.meridian.api.Completion;
import dev.meridian.api.ErrorKind;
import dev.meridian.api.FinishReason;
import dev.meridian.api.StreamHandle;
import dev.meridian.api.StreamListener;
import dev.meridian.test.cloud.FakeCloudServer;
import dev.meridian.test.cloud.OpenAiWire;
import dev.meridian.test.cloud.Scenario;

/**
 * The provider conformance suite: every cloud provider, configured in the framework against a fake server on
 * loopback, through the normal answer and every failure of its wire format. Subclasses supply the dialect's
 * scenarios and configuration.
 */
abstract class ProviderConformance {
    @InjectBundleContext
    BundleContext context;
    @InjectService
    ConfigurationAdmin cm;

    FakeCloudServer server;
    ConfiguredProvider provider;

    abstract String factoryPid();

    abstract String scope();

    abstract String expectedPath();

    abstract Map<String, Object> endpoint(String baseUrl);

    abstract Scenario answer(String... pieces);

    abstract Scenario rateLimited(long retryAfterMs);

    /** Whether the service sends retry hints with a rate limit (OpenAI does; DashScope does not). */
    abstract boolean sendsRetryAfter();

    abstract Scenario quotaExhausted();

    abstract Scenario serverError();

    abstract Scenario invalidKey();

    abstract Scenario slowFirstToken(long millis, String... pieces);

    abstract Scenario stall(long millis, String... pieces);

    abstract Scenario dropAfter(String... pieces);

    abstract Scenario noTerminator(String... pieces);

    abstract Scenario paced(int count, long intervalMs);

    /** A retry-safe error inside a 200 stream after {@code pieces} deltas, and the kind it must map to. */
    abstract Scenario errorInStream(int pieces);

    abstract ErrorKind errorInStreamKind();

    @BeforeEach
    void start() throws Exception {
        server = new FakeCloudServer(answer("Hello", " from", " the", " cloud"));
        provider = ConfiguredProvider.create(context, cm, factoryPid(), prefix(), scope(), endpoint(server.baseUrl()));
    }

    String prefix() {
        return getClass().getSimpleName().toLowerCase().replace("conformancetest", "");
    }

    @AfterEach
    void stop() throws Exception {
        provider.close();
        server.close();
    }

    ConfiguredProvider.Result run() throws Exception {
        return provider.run(ChatRequest.of("Say hello"));
    }

    static void assertError(ConfiguredProvider.Result result, ErrorKind kind) {
        assertThat(result.completion().error()).as("error of " + result).isNotNull();
        assertThat(result.completion().error().kind()).as(result.completion().error().toString()).isEqualTo(kind);
    }

    @Test
    void streamsAnAnswerWithUsageAndProvenance() throws Exception {
        ConfiguredProvider.Result result = run();
        assertThat(result.completion().error()).isNull();
        assertThat(result.text()).isEqualTo("Hello from the cloud");
        assertThat(result.completion().finishReason()).isEqualTo(FinishReason.STOP);
        assertThat(result.completion().usage().completionTokens()).isEqualTo(4);
        assertThat(result.completion().usage().promptTokens()).isPositive();
        assertThat(result.completion().provenance().providerId()).isEqualTo(provider.id);
        assertThat(result.completion().provenance().scope()).isEqualTo(scope());
        assertThat(result.completion().provenance().attempts()).isEqualTo(1);
        assertThat(result.completion().provenance().timeToFirstToken()).isNotNull();
        assertThat(server.lastRequest().path()).isEqualTo(expectedPath());
        assertThat(server.lastRequest().header("authorization")).isEqualTo("Bearer " + ConfiguredProvider.KEY);
        assertThat(server.lastRequest().header("content-type")).isEqualTo("application/json");
    }

    @Test
    void sendsGenerationOptions() throws Exception {
        provider.run(ChatRequest.of("hi").withModel("model-x").withOptions(dev.meridian.api.GenerationOptions.DEFAULTS
                .withMaxTokens(33).withTemperature(0.25).withTopP(0.5).withSeed(7L)
                .withStop(java.util.List.of("END"))));
        String body = server.lastRequest().body();
        assertThat(body).contains("\"model\":\"model-x\"").contains("33").contains("0.25").contains("\"top_p\":0.5")
                .contains("\"seed\":7").contains("\"END\"").contains("\"content\":\"hi\"");
    }

    @Test
    void retriesARateLimitHonouringRetryAfter() throws Exception {
        server.then(rateLimited(150));
        long start = System.nanoTime();
        ConfiguredProvider.Result result = run();
        assertThat(result.completion().error()).isNull();
        assertThat(result.completion().provenance().attempts()).isEqualTo(2);
        assertThat(server.requests()).hasSize(2);
        if (sendsRetryAfter()) {
            assertThat(Duration.ofNanos(System.nanoTime() - start)).isGreaterThanOrEqualTo(Duration.ofMillis(100));
        }
    }

    @Test
    void givesUpAfterMaxAttemptsWithARateLimitedError() throws Exception {
        server.answerByDefault(rateLimited(10));
        ConfiguredProvider.Result result = run();
        assertError(result, ErrorKind.RATE_LIMITED);
        assertThat(result.completion().error().retrySafeElsewhere()).isTrue();
        assertThat(server.requests()).hasSize(3);
        assertThat(result.completion().provenance().attempts()).isEqualTo(3);
    }

    @Test
    void quotaExhaustedIsNotRetriedAndCoolsDown() throws Exception {
        server.then(quotaExhausted());
        ConfiguredProvider.Result result = run();
        assertError(result, ErrorKind.QUOTA_EXHAUSTED);
        assertThat(server.requests()).hasSize(1);
        assertThat(provider.provider.availability().state()).isEqualTo(Availability.State.QUOTA_EXHAUSTED);
    }

    @Test
    void retriesAServerError() throws Exception {
        server.then(serverError());
        ConfiguredProvider.Result result = run();
        assertThat(result.completion().error()).isNull();
        assertThat(result.completion().provenance().attempts()).isEqualTo(2);
    }

    @Test
    void rejectedKeyIsAnAuthenticationErrorNamingProviderAndRegion() throws Exception {
        server.then(invalidKey());
        ConfiguredProvider.Result result = run();
        assertError(result, ErrorKind.AUTHENTICATION);
        assertThat(server.requests()).hasSize(1);
        String message = result.completion().error().getMessage();
        assertThat(message).contains(provider.id).contains(regionInMessages()).doesNotContain(ConfiguredProvider.KEY);
        assertThat(provider.provider.availability().state()).isEqualTo(Availability.State.NOT_CONFIGURED);
        assertThat(provider.provider.availability().reason()).contains("rejected");
    }

    abstract String regionInMessages();

    @Test
    void errorInsideA200StreamMapsToTheTaxonomy() throws Exception {
        server.then(errorInStream(0));
        ConfiguredProvider.Result result = run();
        assertError(result, errorInStreamKind());
        assertThat(server.requests()).hasSize(1);
    }

    @Test
    void errorInsideAStreamAfterTokensKeepsThePartialText() throws Exception {
        server.then(errorInStream(2));
        ConfiguredProvider.Result result = run();
        assertError(result, errorInStreamKind());
        assertThat(result.text()).isEqualTo("p0 p1 ");
    }

    @Test
    void slowFirstTokenTimesOut() throws Exception {
        server.then(slowFirstToken(1500, "late"));
        ConfiguredProvider.Result result = run();
        assertError(result, ErrorKind.TIMEOUT);
        assertThat(result.completion().error().getMessage()).contains("first token");
        assertThat(result.completion().provenance().latency()).isLessThan(Duration.ofMillis(1400));
    }

    @Test
    void stalledStreamTimesOutAfterTheIdleGap() throws Exception {
        server.then(stall(2000, "a", "b"));
        ConfiguredProvider.Result result = run();
        assertError(result, ErrorKind.TIMEOUT);
        assertThat(result.completion().error().getMessage()).contains("stalled");
        assertThat(result.text()).isEqualTo("ab");
    }

    @Test
    void droppedConnectionIsAnError() throws Exception {
        server.then(dropAfter("a", "b"));
        ConfiguredProvider.Result result = run();
        assertError(result, ErrorKind.UNAVAILABLE);
        assertThat(result.text()).isEqualTo("ab");
        assertThat(result.completion().error().reason()).isEqualTo("connection-dropped");
    }

    @Test
    void streamWithoutItsEndIsAnError() throws Exception {
        server.then(noTerminator("a", "b"));
        ConfiguredProvider.Result result = run();
        assertError(result, ErrorKind.UNAVAILABLE);
        assertThat(result.completion().error().reason()).isEqualTo("truncated");
    }

    @Test
    void malformedJsonIsABadResponse() throws Exception {
        server.then(OpenAiWire.malformedJson());
        assertBadResponse(run());
    }

    @Test
    void jsonOfTheWrongShapeIsABadResponse() throws Exception {
        server.then(OpenAiWire.wrongShape());
        assertBadResponse(run());
    }

    @Test
    void hugeLineIsRefusedWithBoundedMemory() throws Exception {
        server.then(OpenAiWire.hugeLine(8 << 20));
        ConfiguredProvider.Result result = run();
        assertBadResponse(result);
        assertThat(result.completion().error().getMessage()).contains("a line longer than");
    }

    @Test
    void invalidUtf8IsABadResponse() throws Exception {
        server.then(OpenAiWire.invalidUtf8());
        ConfiguredProvider.Result result = run();
        assertBadResponse(result);
        assertThat(result.completion().error().getMessage()).contains("not UTF-8");
    }

    @Test
    void neverEndingStreamEndsAtTheTotalTimeout() throws Exception {
        server.then(paced(Integer.MAX_VALUE, 50));
        ConfiguredProvider.Result result = run();
        assertError(result, ErrorKind.TIMEOUT);
        assertThat(result.completion().error().getMessage()).contains("total timeout");
        assertThat(result.completion().provenance().latency()).isBetween(Duration.ofMillis(2900),
                Duration.ofMillis(5000));
    }

    /** Issue 9: the client's own bound ends a runaway answer, whatever the server does. */
    @Test
    void anEndlessFastStreamEndsAtTheAnswerBoundWithLength() throws Exception {
        Map<String, Object> bounded = new java.util.HashMap<>(endpoint(server.baseUrl()));
        bounded.put("maxAnswerChars", 2_000L);
        try (ConfiguredProvider small = ConfiguredProvider.create(context, cm, factoryPid(), prefix() + "-bounded",
                scope(), bounded)) {
            server.then(paced(Integer.MAX_VALUE, 0));
            ConfiguredProvider.Result result = small.run(ChatRequest.of("go"));
            assertThat(result.completion().finishReason()).isEqualTo(FinishReason.LENGTH);
            assertThat(result.completion().error()).isNull();
            assertThat(result.text().length()).isBetween(2_001, 2_100);
        }
    }

    /** Issue 9: a hundred servers that never stop, at once, end at the bound and fit the 256 MiB heap. */
    @Test
    void aHundredEndlessStreamsEndAtTheBoundWithinTheHeap() throws Exception {
        // a frame a millisecond each: at full speed, the hundred fake writers (in this JVM) starve the clients' reads
        server.answerByDefault(paced(Integer.MAX_VALUE, 1));
        Map<String, Object> settings = new java.util.HashMap<>(endpoint(server.baseUrl()));
        settings.put("maxAnswerChars", 50_000L);
        settings.put("totalTimeoutMs", 120_000L); // the bound ends them, not a timeout (two cores serve all hundred)
        settings.put("firstTokenTimeoutMs", 60_000L);
        settings.put("idleTimeoutMs", 60_000L);
        try (ConfiguredProvider bounded = ConfiguredProvider.create(context, cm, factoryPid(), prefix() + "-hundred",
                scope(), settings)) {
            hundredStreams(bounded);
        }
    }

    private void hundredStreams(ConfiguredProvider bounded) throws Exception {
        List<CompletableFuture<Completion>> ends = new java.util.ArrayList<>();
        java.util.concurrent.atomic.AtomicLong characters = new java.util.concurrent.atomic.AtomicLong();
        for (int i = 0; i < 100; i++) {
            CompletableFuture<Completion> end = new CompletableFuture<>();
            ends.add(end);
            bounded.provider.stream(ChatRequest.of("go"), new StreamListener() {
                @Override
                public void onText(String delta) {
                    characters.addAndGet(delta.length());
                }

                @Override
                public void onComplete(Completion completion) {
                    end.complete(completion);
                }
            });
        }
        for (CompletableFuture<Completion> end : ends) {
            Completion completion = end.get(120, TimeUnit.SECONDS);
            assertThat(completion.finishReason()).as(String.valueOf(completion.error())).isEqualTo(FinishReason.LENGTH);
        }
        Runtime runtime = Runtime.getRuntime();
        System.out.printf("%s: 100 endless streams ended at the bound, %d characters in all; heap max %d MiB%n",
                prefix(), characters.get(), runtime.maxMemory() >> 20);
        assertThat(runtime.maxMemory()).isLessThanOrEqualTo(256L << 20);
        assertThat(characters.get()).isGreaterThan(100L * 50_000);
    }

    @Test
    void cancelAbortsTheExchange() throws Exception {
        server.then(paced(Integer.MAX_VALUE, 20));
        CompletableFuture<Completion> done = new CompletableFuture<>();
        CompletableFuture<String> first = new CompletableFuture<>();
        StreamHandle handle = provider.provider.stream(ChatRequest.of("go"), new StreamListener() {
            @Override
            public void onText(String delta) {
                first.complete(delta);
            }

            @Override
            public void onComplete(Completion completion) {
                done.complete(completion);
            }
        });
        first.get(5, TimeUnit.SECONDS);
        handle.cancel();
        assertThat(done.get(1, TimeUnit.SECONDS).finishReason()).isEqualTo(FinishReason.CANCELLED);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (server.openConnections() > 0 && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        assertThat(server.openConnections()).as("the server saw the exchange end").isZero();
    }

    @Test
    void manyConcurrentStreamsAllComplete() throws Exception {
        server.answerByDefault(paced(5, 10));
        java.util.List<CompletableFuture<ConfiguredProvider.Result>> results = new java.util.ArrayList<>();
        for (int i = 0; i < 100; i++) {
            results.add(CompletableFuture.supplyAsync(() -> {
                try {
                    return run();
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            }, java.util.concurrent.Executors.newVirtualThreadPerTaskExecutor()));
        }
        for (CompletableFuture<ConfiguredProvider.Result> result : results) {
            assertThat(result.get(20, TimeUnit.SECONDS).completion().error()).isNull();
        }
    }

    @Test
    void unreachableEndpointIsReportedAndCoolsDown() throws Exception {
        int closedPort;
        try (ServerSocket socket = new ServerSocket(0)) {
            closedPort = socket.getLocalPort();
        }
        try (ConfiguredProvider unreachable = ConfiguredProvider.create(context, cm, factoryPid(), prefix() + "-down",
                scope(), endpoint("http://127.0.0.1:" + closedPort))) {
            ConfiguredProvider.Result result = unreachable.run(ChatRequest.of("hi"));
            assertError(result, ErrorKind.UNAVAILABLE);
            assertThat(result.completion().error().reason()).isEqualTo("unreachable");
            assertThat(unreachable.provider.availability().state()).isEqualTo(Availability.State.UNREACHABLE);
            Thread.sleep(400);
            assertThat(unreachable.provider.availability().isAvailable()).as("after the cool-down").isTrue();
        }
    }

    @Test
    void withoutAKeyItIsNotConfigured() throws Exception {
        Map<String, Object> noKey = new java.util.HashMap<>(endpoint(server.baseUrl()));
        noKey.put(".apiKey", "");
        noKey.put("apiKeyEnv", "MERIDIAN_TEST_NO_SUCH_VARIABLE");
        try (ConfiguredProvider keyless = ConfiguredProvider.create(context, cm, factoryPid(), prefix() + "-nokey",
                scope(), noKey)) {
            Availability availability = keyless.provider.availability();
            assertThat(availability.state()).isEqualTo(Availability.State.NOT_CONFIGURED);
            assertThat(availability.reason()).contains("MERIDIAN_TEST_NO_SUCH_VARIABLE");
            assertError(keyless.run(ChatRequest.of("hi")), ErrorKind.UNAVAILABLE);
            assertThat(server.requests()).isEmpty();
        }
    }

    @Test
    void malformedConfigurationLeavesTheProviderFailedWithAReason() throws Exception {
        Map<String, Object> bad = new java.util.HashMap<>(endpoint("ftp://nowhere"));
        bad.put("idleTimeoutMs", "soon");
        try (ConfiguredProvider broken = ConfiguredProvider.create(context, cm, factoryPid(), prefix() + "-bad",
                scope(), bad)) {
            Availability availability = broken.provider.availability();
            assertThat(availability.state()).isEqualTo(Availability.State.FAILED);
            assertThat(availability.reason()).contains("invalid configuration");
        }
    }

    static void assertBadResponse(ConfiguredProvider.Result result) {
        assertError(result, ErrorKind.UNAVAILABLE);
        assertThat(result.completion().error().reason()).isEqualTo("bad-response");
    }
}
