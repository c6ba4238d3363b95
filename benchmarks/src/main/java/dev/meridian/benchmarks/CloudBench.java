package dev.meridian.benchmarks;

import java.net.URI;
import java.net.http.HttpClient;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import dev.meridian.api.ChatRequest;
import dev.meridian.api.Completion;
import dev.meridian.api.StreamListener;
import dev.meridian.cloud.ChatCompletionsDialect;
import dev.meridian.cloud.CloudBackend;
import dev.meridian.cloud.CloudSettings;
import dev.meridian.cloud.Secret;
import dev.meridian.test.cloud.FakeCloudServer;
import dev.meridian.test.cloud.OpenAiWire;
import dev.meridian.test.cloud.Scenario;

/**
 * Cloud provider benchmarks against the fake OpenAI server on loopback, with the same backend the OpenAI provider
 * bundle builds:
 * <ol>
 * <li>time added to the first token: from the moment the server flushed the first content chunk to the moment the
 * provider's listener got the delta (same JVM, same clock), over sequential requests;</li>
 * <li>concurrency: N streams started at once, each 20 tokens 20 ms apart; errors and wall time.</li>
 * </ol>
 * Run: {@code java -cp benchmarks/target/benchmarks.jar dev.meridian.benchmarks.CloudBench [requests] [streams]}
 */
public final class CloudBench {
    private CloudBench() {
    }

    public static void main(String[] args) throws Exception {
        int requests = args.length > 0 ? Integer.parseInt(args[0]) : 3000;
        int streams = args.length > 1 ? Integer.parseInt(args[1]) : 500;
        firstTokenOverhead(requests);
        concurrency(streams);
        System.exit(0);
    }

    private static CloudBackend backend(FakeCloudServer server) {
        Secret key = Secret.configured("sk-bench");
        CloudSettings settings = CloudSettings.read(Map.of("firstTokenTimeoutMs", 30_000L, "idleTimeoutMs", 30_000L,
                "totalTimeoutMs", 120_000L));
        URI endpoint = URI.create(server.baseUrl() + OpenAiWire.PATH);
        return new CloudBackend("bench", "global", "bench (global)", "gpt-4o-mini", key, "no key", settings,
                timeouts -> new ChatCompletionsDialect(endpoint, key, Map.of(), "gpt-4o-mini", "max_tokens", timeouts, dev.meridian.cloud.VendorCodes.OPENAI),
                HttpClient.Version.HTTP_1_1);
    }

    private static void firstTokenOverhead(int requests) throws Exception {
        Map<Integer, Long> sentAt = new ConcurrentHashMap<>();
        AtomicInteger sequence = new AtomicInteger();
        Scenario firstContentFirst = exchange -> {
            exchange.startStream();
            int n = Integer.parseInt(exchange.request().header("x-bench-seq"));
            exchange.send("data: {\"id\":\"c\",\"object\":\"chat.completion.chunk\",\"model\":\"m\",\"choices\":"
                    + "[{\"index\":0,\"delta\":{\"content\":\"Hi\"},\"finish_reason\":null}]}\n\n");
            sentAt.put(n, exchange.firstContentNanos());
            exchange.send("data: {\"id\":\"c\",\"object\":\"chat.completion.chunk\",\"model\":\"m\",\"choices\":"
                    + "[{\"index\":0,\"delta\":{},\"finish_reason\":\"stop\"}]}\n\n");
            exchange.send("data: [DONE]\n\n");
        };
        try (FakeCloudServer server = new FakeCloudServer(firstContentFirst)) {
            // the request carries its sequence number, so the server can report when it sent that request's token
            Secret key = Secret.configured("sk-bench");
            CloudSettings settings = CloudSettings.read(Map.of());
            URI endpoint = URI.create(server.baseUrl() + OpenAiWire.PATH);
            CloudBackend backend = new CloudBackend("bench", "global", "bench (global)", "m", key, "no key", settings,
                    timeouts -> new SequencedDialect(new ChatCompletionsDialect(endpoint, key, Map.of(), "m",
                            "max_tokens", timeouts, dev.meridian.cloud.VendorCodes.OPENAI), sequence),
                    HttpClient.Version.HTTP_1_1);
            long[] added = new long[requests];
            long[] total = new long[requests];
            int warmup = Math.min(1000, requests / 2);
            for (int i = -warmup; i < requests; i++) {
                CompletableFuture<Long> first = new CompletableFuture<>();
                CompletableFuture<Completion> done = new CompletableFuture<>();
                long start = System.nanoTime();
                int n = sequence.get();
                backend.stream(ChatRequest.of("hi"), new StreamListener() {
                    @Override
                    public void onText(String delta) {
                        first.complete(System.nanoTime());
                    }

                    @Override
                    public void onComplete(Completion completion) {
                        done.complete(completion);
                    }
                });
                long received = first.get(10, TimeUnit.SECONDS);
                if (done.get(10, TimeUnit.SECONDS).error() != null) {
                    throw new IllegalStateException(done.get().error());
                }
                if (i >= 0) {
                    added[i] = received - sentAt.get(n);
                    total[i] = received - start;
                }
            }
            backend.close();
            Arrays.sort(added);
            Arrays.sort(total);
            System.out.printf("first token, %d sequential requests: added by the provider (server flush -> listener)"
                    + " p50 %.3f ms, p90 %.3f ms, p99 %.3f ms; whole time to first token p50 %.3f ms, p99 %.3f ms%n",
                    requests, ms(added, 0.5), ms(added, 0.9), ms(added, 0.99), ms(total, 0.5), ms(total, 0.99));
        }
    }

    private static void concurrency(int streams) throws Exception {
        try (FakeCloudServer server = new FakeCloudServer(OpenAiWire.paced(20, 20))) {
            CloudBackend backend = backend(server);
            AtomicInteger errors = new AtomicInteger();
            AtomicLong tokens = new AtomicLong();
            List<CompletableFuture<Completion>> all = new ArrayList<>();
            long start = System.nanoTime();
            for (int i = 0; i < streams; i++) {
                CompletableFuture<Completion> done = new CompletableFuture<>();
                all.add(done);
                backend.stream(ChatRequest.of("go"), new StreamListener() {
                    @Override
                    public void onText(String delta) {
                        tokens.incrementAndGet();
                    }

                    @Override
                    public void onComplete(Completion completion) {
                        if (completion.error() != null) {
                            errors.incrementAndGet();
                            System.out.println("  error: " + completion.error());
                        }
                        done.complete(completion);
                    }
                });
            }
            CompletableFuture.allOf(all.toArray(CompletableFuture[]::new)).get(120, TimeUnit.SECONDS);
            long wall = System.nanoTime() - start;
            backend.close();
            System.out.printf("concurrency: %d streams at once, 20 tokens each 20 ms apart: %d errors, %d tokens, "
                    + "wall %.0f ms (ideal ~400 ms), heap used %d MiB%n", streams, errors.get(), tokens.get(),
                    wall / 1e6, (Runtime.getRuntime().totalMemory() - Runtime.getRuntime().freeMemory()) >> 20);
        }
    }

    private static double ms(long[] sorted, double p) {
        return sorted[Math.max(0, (int) Math.ceil(p * sorted.length) - 1)] / 1e6;
    }

    /** Tags each request with a sequence number header so the server can report per request. */
    private record SequencedDialect(ChatCompletionsDialect inner, AtomicInteger sequence)
            implements dev.meridian.cloud.WireDialect {
        @Override
        public java.net.http.HttpRequest request(ChatRequest request) {
            java.net.http.HttpRequest base = inner.request(request);
            return java.net.http.HttpRequest.newBuilder(base, (name, value) -> true)
                    .header("x-bench-seq", Integer.toString(sequence.getAndIncrement())).build();
        }

        @Override
        public dev.meridian.cloud.StreamDecoder decoder() {
            return inner.decoder();
        }

        @Override
        public dev.meridian.cloud.WireFailure error(int status, java.net.http.HttpHeaders headers, String body) {
            return inner.error(status, headers, body);
        }
    }
}
