package dev.meridian.test.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Dictionary;
import java.util.Hashtable;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.osgi.framework.BundleContext;
import org.osgi.service.cm.Configuration;
import org.osgi.service.cm.ConfigurationAdmin;
import org.osgi.test.common.annotation.InjectBundleContext;
import org.osgi.test.common.annotation.InjectService;

import com.fasterxml.jackson.databind.JsonNode;

import dev.meridian.api.routing.Routing;
import dev.meridian.test.cloud.FakeCloudServer;
import dev.meridian.test.cloud.OpenAiWire;
import dev.meridian.test.trust.DevelopmentTrust;

/**
 * Issue 10: the OpenAI-compatible gateway over real HTTP (Jetty 12 on the Servlet Whiteboard), routed through the
 * router to the shipped story model ({@code story}, scope device) and a fake OpenAI endpoint ({@code gpt}, scope
 * global). Region GW allows both, GWLOCAL only the device.
 */
class GatewayTest {
    static final String KEY = "sk-gateway-test-0123456789abcdef";
    static FakeCloudServer openai;

    @InjectBundleContext
    BundleContext context;
    @InjectService
    ConfigurationAdmin cm;
    @InjectService
    Routing routing;
    URI base;

    @BeforeAll
    static void startFake() throws Exception {
        openai = new FakeCloudServer(OpenAiWire.answer("Hello", " world"));
    }

    @AfterAll
    static void stopFake() throws Exception {
        openai.close();
    }

    @BeforeEach
    void hostWithTwoProvidersAndTwoRegions() throws Exception {
        DevelopmentTrust.apply(context, cm, routing);
        factory("meridian.provider.local", "gwstory", Map.of("meridian.provider.id", "story",
                "meridian.provider.scope", "device", "meridian.provider.models", new String[] { "story" },
                "modelFile", context.getProperty("meridian.story.model"), "threads", 1));
        gpt(0);
        factory(Routing.POLICY_FACTORY_PID, "GW", Map.of("region", "GW", "scopes",
                new String[] { "device", "global" }, "preference", new String[] { "story", "gpt" }));
        factory(Routing.POLICY_FACTORY_PID, "GWLOCAL", Map.of("region", "GWLOCAL", "scopes",
                new String[] { "device" }));
        factory(Routing.POLICY_FACTORY_PID, "GWNONE", Map.of("region", "GWNONE", "scopes", new String[] { "eu" }));
        long deadline = System.nanoTime() + 30_000_000_000L;
        while (System.nanoTime() < deadline && !(routing.policies().containsKey("GW")
                && routing.policies().containsKey("GWLOCAL") && routing.policies().containsKey("GWNONE")
                && available("story") && available("gpt"))) {
            Thread.sleep(20);
        }
        assertThat(available("story") && available("gpt")).as("both providers available: " + routing.providers())
                .isTrue();
        routing.selectRegion("GW");
        base = Gateway.configure(context, cm, Map.of(), "none");
    }

    @Test
    void answersInOpenAiShapeWithMeridianProvenance() throws Exception {
        Gateway.Reply reply = Gateway.post(base, "v1/chat/completions",
                Gateway.chat("meridian", "Once upon a time", "\"max_tokens\":16,\"user\":\"u-1\""));

        assertThat(reply.status()).as(reply.raw().body()).isEqualTo(200);
        JsonNode body = reply.body();
        assertThat(body.path("object").asText()).isEqualTo("chat.completion");
        assertThat(body.path("id").asText()).startsWith("chatcmpl-");
        assertThat(body.path("model").asText()).as("the model's name from its file").isEqualTo("stories260K");
        JsonNode choice = body.path("choices").get(0);
        assertThat(choice.path("message").path("role").asText()).isEqualTo("assistant");
        assertThat(choice.path("message").path("content").asText()).isNotBlank();
        assertThat(choice.path("finish_reason").asText()).isIn("stop", "length");
        assertThat(body.path("usage").path("completion_tokens").asInt()).isBetween(1, 16);
        JsonNode meridian = body.path("meridian");
        assertThat(meridian.path("provider").asText()).isEqualTo("story");
        assertThat(meridian.path("region").asText()).isEqualTo("GW");
        assertThat(meridian.path("scope").asText()).isEqualTo("device");
        assertThat(meridian.path("attempts").asInt()).isEqualTo(1);
        assertThat(meridian.path("labels").path("content_id").asText()).isNotBlank();
        assertThat(meridian.path("labels").path("ai_generated").asBoolean()).isTrue();
        assertThat(reply.header("x-meridian-provider")).isEqualTo("story");
        assertThat(reply.header("x-meridian-region")).isEqualTo("GW");
    }

    @Test
    void streamsServerSentEventsEndingInDone() throws Exception {
        Gateway.Reply reply = Gateway.post(base, "v1/chat/completions", Gateway.chat("meridian", "Once upon a time",
                "\"stream\":true,\"stream_options\":{\"include_usage\":true},\"max_tokens\":12"));

        assertThat(reply.status()).isEqualTo(200);
        assertThat(reply.header("Content-Type")).startsWith("text/event-stream");
        assertThat(reply.header("x-meridian-provider")).isEqualTo("story");
        List<String> data = reply.raw().body().lines().filter(l -> l.startsWith("data: "))
                .map(l -> l.substring(6)).toList();
        assertThat(data.getLast()).isEqualTo("[DONE]");
        List<JsonNode> chunks = new ArrayList<>();
        for (String d : data.subList(0, data.size() - 1)) {
            chunks.add(Gateway.JSON.readTree(d));
        }
        assertThat(chunks.getFirst().path("choices").get(0).path("delta").path("role").asText()).isEqualTo("assistant");
        StringBuilder text = new StringBuilder();
        chunks.forEach(c -> c.path("choices").forEach(ch -> text.append(ch.path("delta").path("content").asText(""))));
        assertThat(text.toString()).isNotBlank();
        assertThat(chunks).allMatch(c -> c.path("object").asText().equals("chat.completion.chunk"));
        JsonNode usage = chunks.getLast();
        assertThat(usage.path("choices")).isEmpty();
        assertThat(usage.path("usage").path("completion_tokens").asInt()).isBetween(1, 12);
        JsonNode last = chunks.get(chunks.size() - 2);
        assertThat(last.path("choices").get(0).path("finish_reason").asText()).isIn("stop", "length");
        assertThat(last.path("meridian").path("provider").asText()).isEqualTo("story");
    }

    @Test
    void aProviderOrModelMayBeNamedButTheRegionStillDecides() throws Exception {
        Gateway.Reply named = Gateway.post(base, "v1/chat/completions", Gateway.chat("gpt/gpt-test", "hi", ""));
        assertThat(named.status()).as(named.raw().body()).isEqualTo(200);
        assertThat(named.body().path("choices").get(0).path("message").path("content").asText())
                .isEqualTo("Hello world");
        assertThat(named.header("x-meridian-provider")).isEqualTo("gpt");
        Gateway.Reply byModel = Gateway.post(base, "v1/chat/completions", Gateway.chat("gpt-test", "hi", ""));
        assertThat(byModel.body().path("meridian").path("provider").asText()).isEqualTo("gpt");

        int reached = openai.requests().size();
        routing.selectRegion("GWLOCAL");
        try {
            Gateway.Reply blocked = Gateway.post(base, "v1/chat/completions", Gateway.chat("gpt-test", "hi", ""));
            assertThat(blocked.status()).isEqualTo(503);
            assertThat(blocked.body().path("error").path("code").asText()).isEqualTo("region_blocked");
            assertThat(blocked.body().path("error").path("message").asText()).contains("GWLOCAL");
            JsonNode models = Gateway.get(base, "v1/models").body();
            List<String> ids = new ArrayList<>();
            models.path("data").forEach(m -> ids.add(m.path("id").asText()));
            assertThat(ids).contains("meridian", "story").doesNotContain("gpt-test");
        } finally {
            routing.selectRegion("GW");
        }
        assertThat(openai.requests()).as("nothing reached the global model while in GWLOCAL").hasSize(reached);
    }

    @Test
    void everyBadRequestGetsItsStatusAndTheHostStaysUp() throws Exception {
        expect(Gateway.post(base, "v1/chat/completions", "{\"model\": \"meridian\", "), 400, null);
        expect(Gateway.post(base, "v1/chat/completions", Gateway.chat("meridian", "hi", "\"foo\":1")), 400, "foo");
        expect(Gateway.post(base, "v1/chat/completions", "{\"model\":\"meridian\"}"), 400, "messages");
        expect(Gateway.post(base, "v1/chat/completions", "{\"model\":\"meridian\",\"messages\":[]}"), 400,
                "messages");
        expect(Gateway.post(base, "v1/chat/completions", Gateway.chat("meridian", "hi", "\"n\":2")), 400, "n");
        expect(Gateway.post(base, "v1/chat/completions", Gateway.chat("meridian", "hi", "\"tools\":[{}]")), 400,
                "tools");
        expect(Gateway.post(base, "v1/chat/completions", Gateway.chat("meridian", "hi", "\"temperature\":7")), 400,
                "temperature");
        expect(Gateway.post(base, "v1/chat/completions",
                "{\"model\":\"meridian\",\"messages\":[{\"role\":\"user\",\"content\":[{\"type\":\"image_url\"}]}]}"),
                400, "messages[0].content[0].type");
        expect(Gateway.post(base, "v1/chat/completions", Gateway.chat("meridian", "x".repeat(2 << 20), "")), 413,
                null);
        expect(Gateway.post(base, "v1/chat/completions", Gateway.chat("no-such-model", "hi", "")), 404, "model");
        expect(Gateway.post(base, "v1/chat/completions", Gateway.chat("nobody/x", "hi", "")), 404, "model");
        expect(Gateway.get(base, "v1/chat/completions"), 405, null);
        expect(Gateway.get(base, "v1/embeddings"), 404, null);
        assertThat(Gateway.get(base, "health").status()).isEqualTo(200);
    }

    /**
     * A client still sending an oversized body after the gateway has answered (as clients that write the whole body
     * before reading do) gets the 413, and its writes do not fail on a reset connection: the gateway reads and drops
     * the rest of the body. With a declared length and chunked.
     */
    @Test
    void oversizedBodyIsDrainedWhileTheClientKeepsSending() throws Exception {
        for (boolean chunked : new boolean[] { false, true }) {
            try (Socket socket = new Socket(base.getHost(), base.getPort())) {
                socket.setSoTimeout(30_000);
                int size = 12 << 20;
                OutputStream out = socket.getOutputStream();
                out.write(("POST /v1/chat/completions HTTP/1.1\r\nHost: " + base.getHost()
                        + "\r\nContent-Type: application/json\r\n"
                        + (chunked ? "Transfer-Encoding: chunked\r\n" : "Content-Length: " + size + "\r\n")
                        + "\r\n").getBytes(StandardCharsets.US_ASCII));
                java.util.concurrent.CompletableFuture<Void> sending = java.util.concurrent.CompletableFuture
                        .runAsync(() -> sendSlowly(out, size, chunked));
                String status = new BufferedReader(new InputStreamReader(socket.getInputStream(),
                        StandardCharsets.US_ASCII)).readLine();
                assertThat(status).as(chunked ? "chunked" : "with Content-Length").startsWith("HTTP/1.1 413");
                sending.get(60, java.util.concurrent.TimeUnit.SECONDS); // throws if a write failed
            }
        }
        assertThat(Gateway.get(base, "health").status()).isEqualTo(200);
    }

    /**
     * A refused request whose small body arrives after its headers (as the JDK's client sends it) leaves the
     * connection open for the client's next request: the refusal reads the body first. Before, the server had to
     * close the connection, and a client reusing it got "header parser received no bytes" (seen in CI).
     */
    @Test
    void aRefusalKeepsTheConnectionForTheNextRequest() throws Exception {
        try (Socket socket = new Socket(base.getHost(), base.getPort())) {
            socket.setSoTimeout(30_000);
            OutputStream out = socket.getOutputStream();
            byte[] body = "{\"input\":\"hello\"}".getBytes(StandardCharsets.US_ASCII);
            out.write(("POST /v1/embeddings HTTP/1.1\r\nHost: " + base.getHost() + "\r\nContent-Type: "
                    + "application/json\r\nContent-Length: " + body.length + "\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            out.flush();
            Thread.sleep(300); // the server decides before the body comes
            out.write(body);
            out.flush();
            java.io.InputStream in = socket.getInputStream();
            assertThat(readResponse(in)).startsWith("HTTP/1.1 404");
            out.write(("GET /health HTTP/1.1\r\nHost: " + base.getHost() + "\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            out.flush();
            assertThat(readResponse(in)).as("the same connection answers again").startsWith("HTTP/1.1 200");
        }
    }

    /** One HTTP/1.1 response with a Content-Length body: its status line (the body is read and dropped). */
    private static String readResponse(java.io.InputStream in) throws Exception {
        StringBuilder head = new StringBuilder();
        while (!head.toString().endsWith("\r\n\r\n")) {
            int c = in.read();
            if (c < 0) {
                throw new java.io.EOFException("the connection closed after: " + head);
            }
            head.append((char) c);
        }
        java.util.regex.Matcher length = java.util.regex.Pattern.compile("(?im)^content-length:\\s*(\\d+)")
                .matcher(head);
        if (length.find()) {
            in.readNBytes(Integer.parseInt(length.group(1)));
        }
        return head.substring(0, head.indexOf("\r\n"));
    }

    /** {@code size} bytes in 64 KiB pieces with pauses, so that most of them go out after the answer. */
    private static void sendSlowly(OutputStream out, int size, boolean chunked) {
        try {
            byte[] piece = new byte[64 << 10];
            java.util.Arrays.fill(piece, (byte) 'x');
            for (int sent = 0; sent < size; sent += piece.length) {
                if (chunked) {
                    out.write((Integer.toHexString(piece.length) + "\r\n").getBytes(StandardCharsets.US_ASCII));
                }
                out.write(piece);
                if (chunked) {
                    out.write("\r\n".getBytes(StandardCharsets.US_ASCII));
                }
                out.flush();
                Thread.sleep(2);
            }
            if (chunked) {
                out.write("0\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            }
            out.flush();
        } catch (Exception e) {
            throw new java.util.concurrent.CompletionException(e);
        }
    }

    @Test
    void healthSaysWhyNothingCanServe() throws Exception {
        Gateway.Reply ok = Gateway.get(base, "health");
        assertThat(ok.status()).isEqualTo(200);
        assertThat(ok.body().path("eligible").toString()).contains("story", "gpt");
        routing.selectRegion("GWNONE");
        try {
            Gateway.Reply down = Gateway.get(base, "health");
            assertThat(down.status()).isEqualTo(503);
            assertThat(down.body().path("reason").asText())
                    .isEqualTo("no provider of region GWNONE is allowed and available");
            Gateway.Reply refused = Gateway.post(base, "v1/chat/completions", Gateway.chat("meridian", "hi", ""));
            assertThat(refused.status()).isEqualTo(503);
            assertThat(refused.body().path("error").path("code").asText()).isEqualTo("region_blocked");
        } finally {
            routing.selectRegion("GW");
        }
    }

    @Test
    void withTokensEveryCallNeedsOne() throws Exception {
        String hash = java.util.HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256")
                .digest("s3cret-token".getBytes(StandardCharsets.UTF_8)));
        URI guarded = Gateway.configure(context, cm, Map.of("tokenHashes", new String[] { hash }), "s3cret-token");
        try {
            expect(Gateway.get(guarded, "v1/models"), 401, null);
            expect(Gateway.get(guarded, "health", "Authorization", "Bearer wrong"), 401, null);
            expect(Gateway.post(guarded, "v1/chat/completions", Gateway.chat("meridian", "hi", "")), 401, null);
            assertThat(Gateway.get(guarded, "v1/models", "Authorization", "Bearer s3cret-token").status())
                    .isEqualTo(200);
        } finally {
            base = Gateway.configure(context, cm, Map.of(), "none");
        }
    }

    @Test
    void aPublicAddressWithoutTokensIsRefused() throws Exception {
        URI before = Gateway.endpoint(context);
        Configuration gateway = cm.getConfiguration("meridian.gateway", "?");
        Dictionary<String, Object> open = new Hashtable<>();
        open.put("host", "0.0.0.0");
        open.put("port", 0);
        gateway.update(open);
        try {
            long deadline = System.nanoTime() + 10_000_000_000L;
            int status = 0;
            while (System.nanoTime() < deadline && (status = Gateway.get(before, "health").status()) != 404) {
                Thread.sleep(20);
            }
            assertThat(status).as("the refused gateway serves nothing").isEqualTo(404);
            assertThat(Gateway.endpoint(context)).as("the server stays on loopback").isEqualTo(before);
        } finally {
            base = Gateway.configure(context, cm, Map.of(), "none");
        }
    }

    @Test
    void browsersGetNoCorsUnlessTheirOriginIsConfigured() throws Exception {
        Gateway.Reply stranger = Gateway.get(base, "v1/models", "Origin", "https://evil.example");
        assertThat(stranger.header("Access-Control-Allow-Origin")).isNull();
        URI open = Gateway.configure(context, cm, Map.of("corsOrigins", new String[] { "https://app.example" }),
                "none");
        try {
            Gateway.Reply allowed = Gateway.get(open, "v1/models", "Origin", "https://app.example");
            assertThat(allowed.header("Access-Control-Allow-Origin")).isEqualTo("https://app.example");
            assertThat(Gateway.get(open, "v1/models", "Origin", "https://evil.example")
                    .header("Access-Control-Allow-Origin")).isNull();
            java.net.http.HttpResponse<String> preflight = java.net.http.HttpClient.newHttpClient().send(
                    java.net.http.HttpRequest.newBuilder(open.resolve("v1/chat/completions"))
                            .method("OPTIONS", java.net.http.HttpRequest.BodyPublishers.noBody())
                            .header("Origin", "https://evil.example")
                            .header("Access-Control-Request-Method", "POST").build(),
                    java.net.http.HttpResponse.BodyHandlers.ofString());
            assertThat(preflight.statusCode()).isEqualTo(403);
        } finally {
            base = Gateway.configure(context, cm, Map.of(), "none");
        }
    }

    @Test
    void pastTheStreamLimitCallsGet429() throws Exception {
        URI limited = Gateway.configure(context, cm, Map.of("maxStreams", 1), "none");
        try (Socket slow = openStream(limited, 3000)) {
            Gateway.Reply refused = Gateway.post(limited, "v1/chat/completions", Gateway.chat("meridian", "hi", ""));
            assertThat(refused.status()).isEqualTo(429);
            assertThat(refused.header("Retry-After")).isEqualTo("1");
        } finally {
            base = Gateway.configure(context, cm, Map.of(), "none");
        }
    }

    @Test
    void aClientThatGoesAwayStopsTheEngine() throws Exception {
        try (Socket client = openStream(base, 4000)) {
            assertThat(inFlight("story")).isEqualTo(1);
        }
        long start = System.nanoTime();
        while (inFlight("story") > 0 && System.nanoTime() - start < 5_000_000_000L) {
            Thread.sleep(5);
        }
        assertThat(inFlight("story")).as("the generation stopped when its client left").isZero();
        System.out.printf("gateway: engine stopped %d ms after the client closed%n",
                (System.nanoTime() - start) / 1_000_000);
        assertThat(Gateway.get(base, "health").status()).isEqualTo(200);
    }

    @Test
    void anUpstreamErrorBeforeTheFirstTokenIsAnHttpErrorAfterItAnEvent() throws Exception {
        openai.then(OpenAiWire.invalidKey());
        Gateway.Reply auth = Gateway.post(base, "v1/chat/completions", Gateway.chat("gpt/gpt-test", "hi", ""));
        assertThat(auth.status()).isEqualTo(401);
        assertThat(auth.raw().body()).doesNotContain(KEY);
        // a refused key makes the provider unavailable until its configuration changes, as after a key rotation
        gpt(1);
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (!available("gpt") && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }

        openai.then(OpenAiWire.errorInStream(1, "server_error", "overloaded"));
        Gateway.Reply broken = Gateway.post(base, "v1/chat/completions",
                Gateway.chat("gpt/gpt-test", "hi", "\"stream\":true"));
        assertThat(broken.status()).isEqualTo(200);
        List<String> data = broken.raw().body().lines().filter(l -> l.startsWith("data: ")).toList();
        assertThat(data.getLast()).contains("\"error\"");
        assertThat(data).noneMatch(l -> l.equals("data: [DONE]"));
    }

    /** A raw HTTP/1.1 streamed request left open after its first chunk (a client that may vanish). */
    private static Socket openStream(URI base, int maxTokens) throws Exception {
        Socket socket = new Socket(base.getHost(), base.getPort());
        String body = Gateway.chat("meridian", "Once upon a time", "\"stream\":true,\"max_tokens\":" + maxTokens);
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        OutputStream out = socket.getOutputStream();
        out.write(("POST /v1/chat/completions HTTP/1.1\r\nHost: " + base.getHost() + "\r\nContent-Type: "
                + "application/json\r\nContent-Length: " + bytes.length + "\r\n\r\n").getBytes(StandardCharsets.UTF_8));
        out.write(bytes);
        out.flush();
        BufferedReader in = new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.UTF_8));
        String line;
        int chunks = 0;
        while ((line = in.readLine()) != null && chunks < 3) {
            if (line.startsWith("data: ")) {
                chunks++;
            }
        }
        assertThat(chunks).as("the stream started").isEqualTo(3);
        return socket;
    }

    private static void expect(Gateway.Reply reply, int status, String param) {
        assertThat(reply.status()).as(reply.raw().body()).isEqualTo(status);
        if (status != 405 || reply.body() != null) {
            JsonNode error = reply.body().path("error");
            assertThat(error.path("message").asText()).isNotBlank();
            assertThat(error.path("type").asText()).isNotBlank();
            if (param != null) {
                assertThat(error.path("param").asText()).isEqualTo(param);
            }
        }
    }

    /** The fake OpenAI provider; a new {@code round} is a changed configuration (a key rotated). */
    private void gpt(int round) throws Exception {
        factory("meridian.provider.openai", "gwgpt", Map.of("meridian.provider.id", "gpt", "meridian.provider.scope",
                "global", "meridian.provider.models", new String[] { "gpt-test" }, "baseUrl", openai.baseUrl(),
                ".apiKey", KEY, "maxAttempts", 1, "firstTokenTimeoutMs", 5000L, "test.round", round));
    }

    private int inFlight(String id) {
        var stats = routing.stats().get(id);
        return stats == null ? 0 : stats.inFlight();
    }

    private boolean available(String id) {
        return routing.providers().stream().anyMatch(p -> p.id().equals(id) && p.availability().isAvailable());
    }

    private void factory(String pid, String name, Map<String, Object> values) throws Exception {
        Configuration configuration = cm.getFactoryConfiguration(pid, name, "?");
        Dictionary<String, Object> properties = new Hashtable<>();
        values.forEach(properties::put);
        Dictionary<String, Object> current = configuration.getProperties();
        if (current != null && values.entrySet().stream().filter(e -> !e.getKey().startsWith("."))
                .allMatch(e -> java.util.Objects.deepEquals(current.get(e.getKey()), e.getValue()))) {
            return; // unchanged (a key is moved out by the provider's vault): no reactivation between tests
        }
        configuration.update(properties);
    }
}
