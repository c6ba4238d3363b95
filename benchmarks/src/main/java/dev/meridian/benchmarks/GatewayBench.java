package dev.meridian.benchmarks;

import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.lang.annotation.Annotation;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;

import org.eclipse.jetty.ee10.servlet.ServletContextHandler;
import org.eclipse.jetty.ee10.servlet.ServletHolder;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.util.thread.QueuedThreadPool;

import dev.meridian.api.Availability;
import dev.meridian.api.ChatRequest;
import dev.meridian.api.Completion;
import dev.meridian.api.Consent;
import dev.meridian.api.FinishReason;
import dev.meridian.api.ModelProvider;
import dev.meridian.api.StreamHandle;
import dev.meridian.api.StreamListener;
import dev.meridian.api.Usage;
import dev.meridian.api.provider.ProviderStream;
import dev.meridian.api.routing.ProviderStats;
import dev.meridian.api.routing.ProviderStatus;
import dev.meridian.api.routing.RegionPolicy;
import dev.meridian.api.routing.RegionSetting;
import dev.meridian.api.routing.Routing;
import dev.meridian.api.routing.TrustSettings;
import dev.meridian.gateway.GatewayConfig;
import dev.meridian.gateway.GatewayServlet;
import dev.meridian.router.ProviderEntry;
import dev.meridian.router.Router;

/**
 * What the gateway adds, with the gateway's own servlet on Jetty 12 (virtual threads, as the host runs it) in front of
 * the {@link Router}:
 * <ol>
 * <li>first token: sequential requests of an in-memory provider that answers at once; the time from a call to its
 * first text delta in process, against the time from sending the HTTP request (JDK client, a kept-alive connection,
 * {@code stream: true}) to reading the first content chunk. Medians of each, and their difference.</li>
 * <li>concurrency: N server-sent-event streams at once, each 20 tokens 20 ms apart; errors and wall time.</li>
 * </ol>
 * Run: {@code java -cp benchmarks/target/benchmarks.jar dev.meridian.benchmarks.GatewayBench [requests] [streams]}
 */
public final class GatewayBench {
    private GatewayBench() {
    }

    public static void main(String[] args) throws Exception {
        int requests = args.length > 0 ? Integer.parseInt(args[0]) : 3000;
        int streams = args.length > 1 ? Integer.parseInt(args[1]) : 200;
        Router router = new Router("BENCH");
        router.setTrust(BenchTrust.TRUST);
        router.setPolicies(List.of(new RegionPolicy("BENCH", List.of("device"), List.of())));
        router.addProvider(new ProviderEntry(new InMemoryProvider("fast", "device"), "fast", "device",
                List.of("fast"), 0, 1, "bench", BenchTrust.SIGNED));
        router.addProvider(new ProviderEntry(new PacedProvider(), "paced", "device", List.of("paced"), 0, 2,
                "bench", BenchTrust.SIGNED));
        Server server = new Server(threadPool());
        ServerConnector connector = new ServerConnector(server);
        connector.setHost("127.0.0.1");
        server.addConnector(connector);
        ServletContextHandler context = new ServletContextHandler();
        context.addServlet(new ServletHolder(new GatewayServlet(router, new NoRouting(), new Config(streams + 8))),
                "/v1/*");
        server.setHandler(context);
        server.start();
        URI base = URI.create("http://127.0.0.1:" + connector.getLocalPort() + "/");
        try {
            firstToken(router, base, requests);
            concurrency(base, streams);
        } finally {
            server.stop();
        }
        System.exit(0);
    }

    private static QueuedThreadPool threadPool() {
        QueuedThreadPool pool = new QueuedThreadPool();
        pool.setVirtualThreadsExecutor(java.util.concurrent.Executors.newVirtualThreadPerTaskExecutor());
        return pool;
    }

    private static void firstToken(Router router, URI base, int requests) throws Exception {
        ChatRequest request = ChatRequest.of("hi").withProvider("fast");
        long[] inProcess = new long[requests];
        long[] overHttp = new long[requests];
        HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
        HttpRequest post = HttpRequest.newBuilder(base.resolve("v1/chat/completions"))
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(
                        "{\"model\":\"fast/fast\",\"stream\":true,"
                                + "\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}"))
                .build();
        for (int round = 0; round < 2; round++) { // the first round warms up
            for (int i = 0; i < requests; i++) {
                long start = System.nanoTime();
                long[] first = { 0 };
                router.stream(request, new StreamListener() {
                    @Override
                    public void onText(String delta) {
                        if (first[0] == 0) {
                            first[0] = System.nanoTime();
                        }
                    }

                    @Override
                    public void onComplete(Completion completion) {
                    }
                });
                inProcess[i] = first[0] - start;

                start = System.nanoTime();
                HttpResponse<InputStream> response = client.send(post, HttpResponse.BodyHandlers.ofInputStream());
                try (BufferedReader lines = new BufferedReader(new InputStreamReader(response.body(),
                        StandardCharsets.UTF_8))) {
                    String line;
                    while ((line = lines.readLine()) != null && !line.contains("\"content\":\"Hello\"")) {
                        // the role chunk comes first
                    }
                    overHttp[i] = System.nanoTime() - start;
                    while (lines.readLine() != null) {
                        // read to [DONE] so the connection is kept alive
                    }
                }
            }
        }
        long[] overSocket = rawSocket(base, requests);
        Arrays.sort(inProcess);
        Arrays.sort(overHttp);
        System.out.printf("first token over a raw kept-alive socket (no client library): p50 %.1f us p99 %.1f us; "
                + "added (p50) %.1f us%n", overSocket[requests / 2] / 1e3, overSocket[requests * 99 / 100] / 1e3,
                (overSocket[requests / 2] - inProcess[requests / 2]) / 1e3);
        System.out.printf("first token, %d sequential requests: in process p50 %.1f us p99 %.1f us; over the gateway "
                + "p50 %.1f us p99 %.1f us; added by the gateway (p50) %.1f us%n", requests,
                inProcess[requests / 2] / 1e3, inProcess[requests * 99 / 100] / 1e3, overHttp[requests / 2] / 1e3,
                overHttp[requests * 99 / 100] / 1e3, (overHttp[requests / 2] - inProcess[requests / 2]) / 1e3);
    }

    /** The same requests written by hand on one kept-alive connection: the server's share without a client's. */
    private static long[] rawSocket(URI base, int requests) throws Exception {
        byte[] body = "{\"model\":\"fast/fast\",\"stream\":true,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}"
                .getBytes(StandardCharsets.UTF_8);
        byte[] request = ("POST /v1/chat/completions HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                + "Content-Length: " + body.length + "\r\n\r\n" + new String(body, StandardCharsets.UTF_8))
                .getBytes(StandardCharsets.UTF_8);
        long[] times = new long[requests];
        try (java.net.Socket socket = new java.net.Socket(base.getHost(), base.getPort())) {
            socket.setTcpNoDelay(true);
            InputStream in = socket.getInputStream();
            byte[] buffer = new byte[65536];
            for (int round = 0; round < 2; round++) {
                for (int i = 0; i < requests; i++) {
                    long start = System.nanoTime();
                    socket.getOutputStream().write(request);
                    StringBuilder seen = new StringBuilder();
                    boolean first = false;
                    while (true) {
                        int n = in.read(buffer);
                        if (n < 0) {
                            throw new IllegalStateException("the gateway closed the connection");
                        }
                        seen.append(new String(buffer, 0, n, StandardCharsets.ISO_8859_1));
                        if (!first && seen.indexOf("\"content\":\"Hello\"") >= 0) {
                            times[i] = System.nanoTime() - start;
                            first = true;
                        }
                        if (seen.indexOf("[DONE]") >= 0 && seen.indexOf("\r\n0\r\n\r\n") >= 0) {
                            break; // the chunked body's last chunk: the connection is free for the next request
                        }
                    }
                }
            }
        }
        Arrays.sort(times);
        return times;
    }

    private static void concurrency(URI base, int streams) throws Exception {
        HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(30)).build();
        HttpRequest post = HttpRequest.newBuilder(base.resolve("v1/chat/completions"))
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(
                        "{\"model\":\"paced/paced\",\"stream\":true,"
                                + "\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}"))
                .build();
        AtomicInteger complete = new AtomicInteger();
        List<String> errors = java.util.Collections.synchronizedList(new ArrayList<>());
        CountDownLatch done = new CountDownLatch(streams);
        long start = System.nanoTime();
        for (int i = 0; i < streams; i++) {
            CompletableFuture<HttpResponse<java.util.stream.Stream<String>>> future = client.sendAsync(post,
                    HttpResponse.BodyHandlers.ofLines());
            future.whenComplete((response, failure) -> {
                try {
                    if (failure != null) {
                        errors.add(failure.toString());
                    } else if (response.statusCode() != 200) {
                        errors.add("HTTP " + response.statusCode());
                    } else {
                        List<String> data = response.body().filter(l -> l.startsWith("data: ")).toList();
                        long tokens = data.stream().filter(l -> l.contains("\"content\":\"t")).count();
                        if (tokens == PacedProvider.TOKENS && data.getLast().equals("data: [DONE]")) {
                            complete.incrementAndGet();
                        } else {
                            errors.add(tokens + " tokens, last " + data.getLast());
                        }
                    }
                } catch (RuntimeException e) {
                    errors.add(e.toString());
                } finally {
                    done.countDown();
                }
            });
        }
        done.await();
        System.out.printf("%d concurrent SSE streams (%d tokens each, %d ms apart): %d complete, %d errors %s; "
                + "wall %.2f s%n", streams, PacedProvider.TOKENS, PacedProvider.GAP_MS, complete.get(), errors.size(),
                errors.stream().limit(3).toList(), (System.nanoTime() - start) / 1e9);
    }

    /** Tokens paced on its own virtual thread, as a provider streaming from a network would. */
    private static final class PacedProvider implements ModelProvider {
        static final int TOKENS = 20;
        static final long GAP_MS = 20;

        @Override
        public Availability availability() {
            return Availability.AVAILABLE;
        }

        @Override
        public StreamHandle stream(ChatRequest request, StreamListener listener) {
            ProviderStream stream = new ProviderStream(listener, "paced", "device", "paced");
            Thread.ofVirtual().start(() -> {
                try {
                    for (int i = 0; i < TOKENS && !stream.isDone(); i++) {
                        Thread.sleep(GAP_MS);
                        stream.text("t" + i + " ");
                    }
                    stream.complete(FinishReason.STOP, new Usage(1, TOKENS, 0));
                } catch (InterruptedException e) {
                    stream.close("interrupted");
                }
            });
            return stream;
        }
    }

    /** The gateway's settings for the bench: loopback, no tokens, room for every stream. */
    private record Config(int maxStreams) implements GatewayConfig {
        @Override
        public Class<? extends Annotation> annotationType() {
            return GatewayConfig.class;
        }

        @Override
        public String host() {
            return "127.0.0.1";
        }

        @Override
        public int port() {
            return 0;
        }

        @Override
        public String[] tokenHashes() {
            return new String[0];
        }

        @Override
        public String[] operatorTokenHashes() {
            return new String[0];
        }

        @Override
        public int maxBodyBytes() {
            return 1 << 20;
        }

        @Override
        public String[] corsOrigins() {
            return new String[0];
        }

        @Override
        public int drainSeconds() {
            return 1;
        }
    }

    /** Requests named {@code PROVIDER/MODEL} resolve against these providers; nothing else is asked of it. */
    private static final class NoRouting implements Routing {
        @Override
        public List<ProviderStatus> providers() {
            ProviderStats none = new ProviderStats(0, 0, 0, Map.of(), Duration.ZERO, Duration.ZERO, 0);
            return List.of(
                    new ProviderStatus("fast", "device", List.of("fast"), 0, 1, "bench", Availability.AVAILABLE, true,
                            none),
                    new ProviderStatus("paced", "device", List.of("paced"), 0, 2, "bench", Availability.AVAILABLE,
                            true, none));
        }

        @Override
        public String activeRegion() {
            return "BENCH";
        }

        @Override
        public RegionSetting regionSetting() {
            return RegionSetting.of("BENCH", RegionSetting.Source.DEFAULT);
        }

        @Override
        public Optional<RegionPolicy> activePolicy() {
            return Optional.empty();
        }

        @Override
        public Map<String, RegionPolicy> policies() {
            return Map.of();
        }

        @Override
        public Map<String, ProviderStats> stats() {
            return Map.of();
        }

        @Override
        public void selectRegion(String region) {
            throw new UnsupportedOperationException("the bench does not switch regions");
        }

        @Override
        public TrustSettings trust() {
            return new TrustSettings(Map.of(), java.util.Set.of(), null);
        }

        @Override
        public Map<String, Consent> consents() {
            return Map.of();
        }

        @Override
        public Consent grantConsent(String scope) {
            throw new UnsupportedOperationException("the bench grants no consent");
        }

        @Override
        public boolean revokeConsent(String scope) {
            return false;
        }
    }
}
